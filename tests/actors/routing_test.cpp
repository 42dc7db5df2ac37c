#include "actor_fixture.hpp"

#include "actors/directory_actor.hpp"
#include "actors/ingest_actor.hpp"
#include "actors/messages.hpp"
#include "actors/profile.hpp"
#include "actors/publisher_actor.hpp"
#include "memory_journal.hpp"
#include "model_fixture.hpp"

using namespace cohort;

namespace {

codecs::event event_for(std::string user, std::string id, std::string type) {
  codecs::event ev;
  ev.user_id = std::move(user);
  ev.message_id = std::move(id);
  ev.type = std::move(type);
  return ev;
}

struct ingest_fixture : test::actor_fixture {
  ingest_fixture() { start(); }

  /// (Re)starts shards and ingest over the same journal, as a node restart would.
  void start(caf::duration passivate_after = caf::infinite) {
    actors::session_env env{actors::session_limits{},
                            std::make_shared<actors::model_holder>(test::spec_model()),
                            sys.spawn(actors::publisher_actor, actors::publisher_limits{}),
                            self,
                            store,
                            flow,
                            passivate_after,
                            nullptr};
    std::vector<caf::actor> shards;
    for (int i = 0; i < 3; ++i)
      shards.push_back(sys.spawn(actors::directory_actor, env));
    route.emplace(shards);
    ingest = sys.spawn(actors::ingest_actor, *route, store, flow, actors::ingest_options{});
  }

  void stop() {
    for (const auto& shard : route->shards())
      self->send_exit(shard, caf::exit_reason::user_shutdown);
    self->send_exit(ingest, caf::exit_reason::user_shutdown);
    run();
  }

  std::uint64_t send(actors::event_batch batch) {
    flow->try_admit(static_cast<std::int64_t>(batch.size()));
    return ask<std::uint64_t>(ingest, actors::ingest_atom::value, std::move(batch));
  }

  actors::profile profile_of(const std::string& user) {
    return ask<actors::profile>(route->shard_for(user), actors::profile_atom::value, user);
  }

  std::shared_ptr<test::memory_journal> store = std::make_shared<test::memory_journal>();
  std::shared_ptr<actors::flow_control> flow = std::make_shared<actors::flow_control>(1000);
  std::optional<actors::router> route;
  caf::actor ingest;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(routing_suite, ingest_fixture)

BOOST_AUTO_TEST_CASE(a_batch_is_split_per_user_and_acknowledged_in_full) {
  actors::event_batch batch{event_for("alice", "1", "page_view"),
                            event_for("bob", "2", "click"),
                            event_for("alice", "3", "product_view")};
  auto accepted = send(batch);
  BOOST_TEST(accepted == 3u);
  auto alice = profile_of("alice");
  BOOST_TEST(alice.events == 2u);
  BOOST_TEST(alice.event_counts.at("product_view") == 1u);
  BOOST_TEST(profile_of("bob").events == 1u);
}

BOOST_AUTO_TEST_CASE(one_actor_per_user_across_batches) {
  send({event_for("carol", "1", "click")});
  send({event_for("carol", "2", "click")});
  BOOST_TEST(profile_of("carol").events == 2u);
  std::uint64_t live = 0;
  for (const auto& shard : route->shards())
    live += ask<actors::directory_stats>(shard, actors::stats_atom::value).live;
  BOOST_TEST(live == 1u);
}

BOOST_AUTO_TEST_CASE(a_user_order_is_kept_within_a_batch) {
  actors::event_batch batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(event_for("dave", std::to_string(i), "click"));
  send(batch);
  auto p = profile_of("dave");
  BOOST_REQUIRE(p.recent.size() == 5u);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(p.recent[i].message_id == std::to_string(i));
}

BOOST_AUTO_TEST_CASE(an_unknown_user_is_an_error_value) {
  auto err = ask_error(route->shard_for("nobody"), actors::profile_atom::value,
                       std::string{"nobody"});
  BOOST_TEST(actors::is(err, actors::errc::unknown_user));
}

BOOST_AUTO_TEST_CASE(accepted_events_are_in_the_log_with_consecutive_positions) {
  send({event_for("erin", "1", "click"), event_for("frank", "2", "click")});
  BOOST_REQUIRE(store->log.size() == 2u);
  BOOST_TEST(store->log.begin()->first == 1u);
  BOOST_TEST(store->log.rbegin()->first == 2u);
}

BOOST_AUTO_TEST_CASE(a_failed_append_fails_the_request_and_applies_nothing) {
  store->fail_appends = true;
  flow->try_admit(1);
  auto err = ask_error(ingest, actors::ingest_atom::value,
                       actors::event_batch{event_for("gina", "1", "click")});
  BOOST_TEST(static_cast<bool>(err));
  BOOST_TEST(flow->in_flight() == 0);  // the room was given back
  auto unknown = ask_error(route->shard_for("gina"), actors::profile_atom::value,
                           std::string{"gina"});
  BOOST_TEST(actors::is(unknown, actors::errc::unknown_user));
}

BOOST_AUTO_TEST_CASE(applied_events_release_their_flow_control_room) {
  send({event_for("hank", "1", "click"), event_for("hank", "2", "click")});
  BOOST_TEST(flow->in_flight() == 0);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_writes_dirty_users_and_truncates_the_log) {
  send({event_for("ivy", "1", "click"), event_for("jack", "2", "click")});
  auto covered = ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(covered == 2u);
  BOOST_TEST(store->log.empty());
  BOOST_TEST(store->snapshots.count("ivy") == 1u);
  BOOST_TEST(store->snapshots.count("jack") == 1u);
  auto writes = store->snapshot_writes;
  send({event_for("ivy", "3", "click")});
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(store->snapshot_writes == writes + 1);  // only the dirty user is written again
}

BOOST_AUTO_TEST_CASE(after_a_restart_state_comes_back_from_snapshot_plus_log_exactly_once) {
  send({event_for("kim", "1", "click")});
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  send({event_for("kim", "2", "click"), event_for("kim", "3", "page_view")});
  stop();  // a crash: events 2 and 3 are only in the log
  start();
  actors::event_batch logged;
  for (const auto& [seq, ev] : store->log)
    logged.push_back(ev);
  ask<std::uint64_t>(ingest, actors::replay_atom::value, logged);
  ask<std::uint64_t>(ingest, actors::replay_atom::value, logged);  // a second replay is a no-op
  auto p = profile_of("kim");
  BOOST_TEST(p.events == 3u);
  BOOST_TEST(p.event_counts.at("click") == 2u);
}

BOOST_AUTO_TEST_CASE(an_idle_session_is_passivated_and_revived_with_the_same_state) {
  stop();
  start(caf::duration{std::chrono::minutes(10)});
  send({event_for("lee", "1", "product_view"), event_for("lee", "2", "click")});
  auto before = profile_of("lee");
  sched.trigger_timeouts();
  run();
  std::uint64_t live = 0, passivated = 0;
  for (const auto& shard : route->shards()) {
    auto stats = ask<actors::directory_stats>(shard, actors::stats_atom::value);
    live += stats.live;
    passivated += stats.passivated;
  }
  BOOST_TEST(live == 0u);
  BOOST_TEST(passivated == 1u);
  auto after = profile_of("lee");  // revived from its snapshot
  BOOST_TEST(after.events == before.events);
  BOOST_TEST(after.segment == before.segment);
  BOOST_TEST(after.score == before.score);
  BOOST_TEST(after.recent.size() == before.recent.size());
}

BOOST_AUTO_TEST_SUITE_END()
