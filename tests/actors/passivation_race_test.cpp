// The hand-over race of passivation, replayed deterministically: a slow idle session gets
// two passivate messages from its directory's sweeps and asks twice; the first request is
// granted, the user is revived by a new event, and then the second (stale) request
// arrives. It must not let go of the new actor.
#include "actor_fixture.hpp"

#include <algorithm>

#include "actors/directory_actor.hpp"
#include "actors/messages.hpp"
#include "actors/profile.hpp"
#include "actors/publisher_actor.hpp"
#include "event_fixture.hpp"
#include "memory_journal.hpp"
#include "model_fixture.hpp"

using namespace cohort;

namespace {

using test::click;

struct directory_fixture : test::actor_fixture {
  directory_fixture() {
    actors::session_env env{actors::session_limits{},
                            std::make_shared<actors::model_holder>(test::spec_model()),
                            sys.spawn(actors::publisher_actor, actors::publisher_limits{}),
                            self,
                            store,
                            flow,
                            caf::duration{std::chrono::minutes(10)},
                            nullptr,
                            nullptr,
                            0,
                            nullptr};
    directory = sys.spawn(actors::directory_actor, env);
  }

  ~directory_fixture() { self->send_exit(directory, caf::exit_reason::user_shutdown); }

  void route(codecs::event ev) {
    flow->try_admit(1);
    self->send(directory, actors::route_atom::value, ev.user_key(), actors::event_batch{ev});
  }

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

  actors::directory_stats stats() {
    return ask<actors::directory_stats>(directory, actors::stats_atom::value);
  }

  std::shared_ptr<test::memory_journal> store = std::make_shared<test::memory_journal>();
  std::shared_ptr<actors::flow_control> flow = std::make_shared<actors::flow_control>(1000);
  caf::actor directory;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(passivation_race_suite, directory_fixture)

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
