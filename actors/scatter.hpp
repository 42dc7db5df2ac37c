#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

namespace cohort::actors {

/// Sends (xs...) to every actor of `dests` as a request from `self`; `done` gets all
/// answers once, in the order of `dests`, or the first error (a timeout, an actor gone).
/// The all-owners requests of a locator and a gateway: live keys, shard counters.
template <class Result, class Self, class... Ts>
void scatter(Self* self, const std::vector<caf::actor>& dests, caf::timespan timeout,
             std::function<void(caf::expected<std::vector<Result>>)> done, Ts... xs) {
  struct gather {
    std::vector<Result> replies;
    std::size_t pending = 0;
    bool failed = false;
  };
  auto g = std::make_shared<gather>();
  g->replies.resize(dests.size());
  g->pending = dests.size();
  if (dests.empty()) {
    done(std::vector<Result>{});
    return;
  }
  for (std::size_t i = 0; i < dests.size(); ++i)
    self->request(dests[i], timeout, xs...)
      .then(
        [=](Result& r) {
          g->replies[i] = std::move(r);
          if (--g->pending == 0 && !g->failed)
            done(std::move(g->replies));
        },
        [=](caf::error& e) {
          if (!std::exchange(g->failed, true))
            done(std::move(e));
        });
}

} // namespace cohort::actors
