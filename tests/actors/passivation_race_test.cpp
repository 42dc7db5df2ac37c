// The hand-over race of passivation, replayed deterministically: a slow idle session gets
// two passivate messages from its directory's sweeps and asks twice; the first request is
// granted, the user is revived by a new event, and then the second (stale) request
// arrives. It must not let go of the new actor.
#include "directory_fixture.hpp"

#include <algorithm>

#include "actors/messages.hpp"
#include "actors/profile.hpp"
#include "event_fixture.hpp"

using namespace cohort;

namespace {

using test::click;

struct race_fixture : test::directory_fixture {
  race_fixture() : directory(spawn_directory(caf::duration{std::chrono::minutes(10)})) {}

  ~race_fixture() { self->send_exit(directory, caf::exit_reason::user_shutdown); }

  void route(codecs::event ev) { send_event(directory, std::move(ev)); }

  caf::resumable* directory_job() {
    return dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(directory));
  }

  /// Runs one message of the first job for which `pick` holds (test_coordinator runs one
  /// message per job run), leaving every other job waiting.
  template <class Pick>
  void run_one(Pick pick) {
    auto it = std::find_if(sched.jobs.begin(), sched.jobs.end(), pick);
    BOOST_REQUIRE(it != sched.jobs.end());
    std::rotate(sched.jobs.begin(), it, std::next(it));
    sched.run_once();
  }

  /// The directory's idle sweep fires and runs; the sessions do not run meanwhile.
  void sweep() {
    BOOST_REQUIRE(sched.trigger_timeout());
    run_one([dir = directory_job()](caf::resumable* job) { return job == dir; });
  }

  /// One message of a session (any job but the directory).
  void run_session_once() {
    run_one([dir = directory_job()](caf::resumable* job) { return job != dir; });
  }

  actors::directory_stats stats() { return stats_of(directory); }

  caf::actor directory;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(passivation_race_suite, race_fixture)

BOOST_AUTO_TEST_CASE(a_stale_passivation_request_does_not_let_go_of_the_revived_actor) {
  route(click("lee", "1", 1));
  run();  // actor A of lee applied 1 batch
  BOOST_TEST(stats().live == 1u);

  sweep();             // A was routed to: not idle yet
  sweep();             // idle: A is told to passivate
  sweep();             // no answer yet: nothing
  sweep();             // still none (A is slow): told again
  run_session_once();  // A writes its state and asks to go (request 1)
  route(click("lee", "2", 2));  // an event for lee, behind request 1
  run_session_once();  // A asks again (request 2), behind the event
  run();  // request 1: A goes; the event revives lee as B; request 2 arrives last

  route(click("lee", "3", 3));
  run();
  auto s = stats();
  BOOST_TEST(s.live == 1u);
  BOOST_TEST(s.passivated == 1u);
  auto p = ask<actors::profile>(directory, actors::profile_atom::value, std::string("lee"));
  BOOST_TEST(p.events == 3u, "events of lee: " << p.events << " (an event was lost in the hand-over)");
}

BOOST_AUTO_TEST_SUITE_END()
