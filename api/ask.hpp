#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

namespace cohort::api {

/// Sends a request to `dest` from a non-actor thread (an HTTP handler) without blocking
/// it: a one-shot actor makes the request and hands the reply, or the error (including
/// the timeout), to `done`, then quits. `done` runs on a CAF worker thread.
template <class Result, class Handle, class... Ts>
void ask(caf::actor_system& sys, const Handle& dest, std::chrono::milliseconds timeout,
         std::function<void(caf::expected<Result>)> done, Ts... xs) {
  // Everything travels as spawn arguments: CAF 0.17 dereferences a null pointer when a
  // function-based actor is spawned without any.
  sys.spawn(
    [](caf::event_based_actor* self, Handle to, std::chrono::milliseconds limit,
       std::function<void(caf::expected<Result>)> reply, Ts... args) {
      self->request(to, limit, std::move(args)...)
        .then([reply](Result& r) { reply(std::move(r)); },
              [reply](caf::error& e) { reply(std::move(e)); });
    },
    dest, timeout, std::move(done), std::move(xs)...);
}

} // namespace cohort::api

namespace cohort::api {

/// Like ask(), to every actor in `dests`; `done` gets all replies in the order of
/// `dests`, or the first error.
template <class Result, class... Ts>
void ask_all(caf::actor_system& sys, std::vector<caf::actor> dests,
             std::chrono::milliseconds timeout,
             std::function<void(caf::expected<std::vector<Result>>)> done, Ts... xs) {
  // The destinations travel as a spawn argument (see ask()).
  sys.spawn([=](caf::event_based_actor* self, const std::vector<caf::actor>& targets) {
    struct gather {
      std::vector<Result> replies;
      std::size_t pending;
      bool failed = false;
    };
    auto g = std::make_shared<gather>();
    g->replies.resize(targets.size());
    g->pending = targets.size();
    if (targets.empty())
      done(std::vector<Result>{});
    for (std::size_t i = 0; i < targets.size(); ++i) {
      self->request(targets[i], timeout, xs...)
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
  }, dests);
}

} // namespace cohort::api
