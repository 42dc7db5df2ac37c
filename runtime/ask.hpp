#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

namespace cohort::runtime {

/// Sends a request to `dest` from a non-actor thread (an HTTP handler) without blocking
/// it: a one-shot actor makes the request and hands the reply, or the error (including
/// the timeout), to `done`, then quits. `done` runs on a CAF worker thread.
template <class Result, class... Ts>
void ask(caf::actor_system& sys, const caf::actor& dest, std::chrono::milliseconds timeout,
         std::function<void(caf::expected<Result>)> done, Ts... xs) {
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(dest, timeout, xs...)
      .then([done](Result& r) { done(std::move(r)); },
            [done](caf::error& e) { done(std::move(e)); });
  });
}

} // namespace cohort::runtime

namespace cohort::runtime {

/// Like ask(), to every actor in `dests`; `done` gets all replies in the order of
/// `dests`, or the first error.
template <class Result, class... Ts>
void ask_all(caf::actor_system& sys, std::vector<caf::actor> dests,
             std::chrono::milliseconds timeout,
             std::function<void(caf::expected<std::vector<Result>>)> done, Ts... xs) {
  sys.spawn([=](caf::event_based_actor* self) {
    struct gather {
      std::vector<Result> replies;
      std::size_t pending;
      bool failed = false;
    };
    auto g = std::make_shared<gather>();
    g->replies.resize(dests.size());
    g->pending = dests.size();
    if (dests.empty())
      done(std::vector<Result>{});
    for (std::size_t i = 0; i < dests.size(); ++i) {
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
  });
}

} // namespace cohort::runtime
