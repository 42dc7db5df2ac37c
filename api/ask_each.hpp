#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

namespace cohort::api {

/// Like ask() (api/ask.hpp), once per key: (xs..., keys[i]) to `dest`. A failed request
/// leaves its slot empty instead of failing the whole: the console lists actors that may
/// stop between being listed and being asked. `done` runs once, on a CAF worker thread,
/// with one slot per key in the order of `keys`.
template <class Result, class Handle, class... Ts>
void ask_each(caf::actor_system& sys, Handle dest, std::vector<std::string> keys,
              std::chrono::milliseconds timeout,
              std::function<void(std::vector<std::optional<Result>>)> done, Ts... xs) {
  // The destination travels as a spawn argument: CAF 0.17 dereferences a null pointer
  // when a function-based actor is spawned without any.
  sys.spawn([=](caf::event_based_actor* self, const Handle& target) {
    // The handlers share this state and capture only its pointer: thousands of them
    // must not each copy `done` (and whatever it captured).
    struct gather {
      std::vector<std::optional<Result>> replies;
      std::size_t pending = 0;
      std::function<void(std::vector<std::optional<Result>>)> done;
    };
    auto g = std::make_shared<gather>();
    g->replies.resize(keys.size());
    g->pending = keys.size();
    g->done = done;
    if (keys.empty()) {
      g->done({});
      return;
    }
    auto settle = [g] {
      if (--g->pending == 0)
        g->done(std::move(g->replies));
    };
    for (std::size_t i = 0; i < keys.size(); ++i) {
      self->request(target, timeout, xs..., keys[i])
        .then(
          [g, i, settle](Result& r) {
            g->replies[i] = std::move(r);
            settle();
          },
          [settle](caf::error&) { settle(); });
    }
  }, dest);
}

} // namespace cohort::api
