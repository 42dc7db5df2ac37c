#pragma once

// A deterministic actor system for Boost.Test: CAF's test coordinator runs every
// message only when the test says so, so actor tests need no sleeps and no threads.

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <boost/test/unit_test.hpp>

namespace cohort::test {

struct actor_fixture {
  static caf::actor_system_config& testing(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    return cfg;
  }

  actor_fixture()
    : sys(testing(cfg)),
      self(sys, true),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
  }

  ~actor_fixture() {
    sched.run();
    // Pending request timeouts hold their actors; a real clock would fire them later.
    sched.clock().cancel_all();
  }

  /// Runs every pending message to completion.
  void run() { sched.run(); }

  /// Sends `xs` to `dest` from `self`, runs the system, and returns the one reply of
  /// type T (failing the test on an error reply or none at all).
  template <class T, class... Ts>
  T ask(const caf::actor& dest, Ts&&... xs) {
    self->send(dest, std::forward<Ts>(xs)...);
    run();
    T out{};
    bool got = false;
    self->receive([&](T& x) { out = std::move(x); got = true; },
                  [&](caf::error& e) { BOOST_FAIL("error reply: " << sys.render(e)); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    BOOST_REQUIRE_MESSAGE(got, "no reply");
    return out;
  }

  /// Like ask(), for a request that must fail; returns the error.
  template <class... Ts>
  caf::error ask_error(const caf::actor& dest, Ts&&... xs) {
    self->send(dest, std::forward<Ts>(xs)...);
    run();
    caf::error out;
    self->receive([&](caf::error& e) { out = std::move(e); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return out;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  caf::scheduler::test_coordinator& sched;
};

} // namespace cohort::test
