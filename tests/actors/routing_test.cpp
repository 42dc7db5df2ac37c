#include "directory_fixture.hpp"

#include "actors/directory_actor.hpp"
#include "actors/ingest_actor.hpp"
#include "actors/locator.hpp"
#include "actors/messages.hpp"
#include "actors/profile.hpp"
#include "actors/transfer.hpp"
#include "event_fixture.hpp"

using namespace cohort;

namespace {

struct ingest_fixture : test::directory_fixture {
  ingest_fixture() { start(); }

  /// (Re)starts shards and ingest over the same journal, as a node restart would.
  void start(caf::duration passivate_after = caf::infinite) {
    auto env = shard_env(passivate_after);
    std::vector<caf::actor> shards;
    for (int i = 0; i < 3; ++i)
      shards.push_back(sys.spawn(actors::directory_actor, env));
    route.emplace(shards);
    // Like a node: the graph is what the store holds, whatever the previous run kept.
    graph = std::make_shared<actors::identity_graph>(identity);
    BOOST_REQUIRE(graph->load(*store->identity_records()));
    ingest = sys.spawn(actors::ingest_actor, *route, store, graph, flow, options);
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

  /// Sends one event for each of `n` users named `prefix`0... (one batch per 100).
  void send_users(const std::string& prefix, int n) {
    actors::event_batch batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back(test::event_of(prefix + std::to_string(i), prefix + "-" + std::to_string(i),
                                "click"));
      if (batch.size() == 100 || i == n - 1)
        send(std::exchange(batch, {}));
    }
  }

  /// The users `prefix`0..n-1 that live in `shard`.
  std::vector<std::string> users_of(const caf::actor& shard, const std::string& prefix, int n) {
    std::vector<std::string> users;
    for (int i = 0; i < n; ++i)
      if (route->shard_for(prefix + std::to_string(i)) == shard)
        users.push_back(prefix + std::to_string(i));
    return users;
  }

  std::size_t snapshots_of(const std::vector<std::string>& users) const {
    std::size_t n = 0;
    for (const auto& user : users)
      n += store->snapshots.count(user);
    return n;
  }

  actors::profile profile_of(const std::string& user) {
    return ask<actors::profile>(route->shard_for(user), actors::profile_atom::value, user);
  }

  std::optional<actors::router> route;
  config::identity_config identity;  ///< Set before start() (a restart) to change it.
  actors::ingest_options options;     ///< Likewise.
  std::shared_ptr<actors::identity_graph> graph;
  caf::actor ingest;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(routing_suite, ingest_fixture)

BOOST_AUTO_TEST_CASE(a_batch_is_split_per_user_and_acknowledged_in_full) {
  actors::event_batch batch{test::event_of("alice", "1", "page_view"),
                            test::event_of("bob", "2", "click"),
                            test::event_of("alice", "3", "product_view")};
  auto accepted = send(batch);
  BOOST_TEST(accepted == 3u);
  auto alice = profile_of("alice");
  BOOST_TEST(alice.events == 2u);
  BOOST_TEST(alice.event_counts.at("product_view") == 1u);
  BOOST_TEST(profile_of("bob").events == 1u);
}

BOOST_AUTO_TEST_CASE(one_actor_per_user_across_batches) {
  send({test::event_of("carol", "1", "click")});
  send({test::event_of("carol", "2", "click")});
  BOOST_TEST(profile_of("carol").events == 2u);
  std::uint64_t live = 0;
  for (const auto& shard : route->shards())
    live += stats_of(shard).live;
  BOOST_TEST(live == 1u);
}

BOOST_AUTO_TEST_CASE(a_user_order_is_kept_within_a_batch) {
  actors::event_batch batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(test::event_of("dave", std::to_string(i), "click"));
  send(batch);
  auto p = profile_of("dave");
  BOOST_REQUIRE(p.recent.size() == 5u);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(p.recent[i].message_id == std::to_string(i));
}

// A group commit groups its events by views into the events' own keys: a short key lives
// inside its event's string, a long one on the heap, and both must hold until the events
// move on to their shards.
BOOST_AUTO_TEST_CASE(interleaved_users_each_keep_their_order_whatever_their_key_length) {
  const std::vector<std::string> users{"e", "f", std::string(40, 'g'),
                                       "a-user-id-longer-than-fifteen"};
  actors::event_batch batch;
  for (int i = 0; i < 6; ++i)
    for (const auto& user : users)
      batch.push_back(test::event_of(user, user + "-" + std::to_string(i), "click"));
  BOOST_TEST(send(batch) == 24u);
  for (const auto& user : users) {
    auto p = profile_of(user);
    BOOST_REQUIRE(p.recent.size() == 6u);
    for (int i = 0; i < 6; ++i)
      BOOST_TEST(p.recent[i].message_id == user + "-" + std::to_string(i));
  }
}

// A shard sends to its live sessions first and spawns the new ones after: a commit that
// mixes both must still bring every user all of its events, in order, and one actor each.
BOOST_AUTO_TEST_CASE(a_commit_of_live_and_new_users_reaches_each_of_them_in_order) {
  send_users("live", 10);
  actors::event_batch batch;
  for (int i = 0; i < 3; ++i)
    for (int u = 0; u < 10; ++u) {
      for (const auto* prefix : {"live", "new"}) {
        auto user = prefix + std::to_string(u);
        batch.push_back(test::event_of(user, user + "-" + std::to_string(i), "click"));
      }
    }
  BOOST_TEST(send(batch) == 60u);
  for (int u = 0; u < 10; ++u) {
    auto live = profile_of("live" + std::to_string(u));
    BOOST_TEST(live.events == 4u);
    BOOST_REQUIRE(live.recent.size() == 4u);
    auto fresh = profile_of("new" + std::to_string(u));
    BOOST_TEST(fresh.events == 3u);
    BOOST_REQUIRE(fresh.recent.size() == 3u);
    for (int i = 0; i < 3; ++i) {
      BOOST_TEST(live.recent[i + 1].message_id == "live" + std::to_string(u) + "-" + std::to_string(i));
      BOOST_TEST(fresh.recent[i].message_id == "new" + std::to_string(u) + "-" + std::to_string(i));
    }
  }
  std::uint64_t live_actors = 0;
  for (const auto& shard : route->shards())
    live_actors += stats_of(shard).live;
  BOOST_TEST(live_actors == 20u);
  BOOST_TEST(flow->in_flight() == 0);  // every event applied, none left in a mailbox
}

BOOST_AUTO_TEST_CASE(an_unknown_user_is_an_error_value) {
  auto err = ask_error(route->shard_for("nobody"), actors::profile_atom::value,
                       std::string{"nobody"});
  BOOST_TEST(actors::is(err, actors::errc::unknown_user));
}

BOOST_AUTO_TEST_CASE(accepted_events_are_in_the_log_with_consecutive_positions) {
  send({test::event_of("erin", "1", "click"), test::event_of("frank", "2", "click")});
  BOOST_REQUIRE(store->log.size() == 2u);
  BOOST_TEST(store->log.begin()->first == 1u);
  BOOST_TEST(store->log.rbegin()->first == 2u);
}

BOOST_AUTO_TEST_CASE(a_failed_append_fails_the_request_and_applies_nothing) {
  store->fail_appends = true;
  flow->try_admit(1);
  auto err = ask_error(ingest, actors::ingest_atom::value,
                       actors::event_batch{test::event_of("gina", "1", "click")});
  BOOST_TEST(static_cast<bool>(err));
  BOOST_TEST(flow->in_flight() == 0);  // the room was given back
  auto unknown = ask_error(route->shard_for("gina"), actors::profile_atom::value,
                           std::string{"gina"});
  BOOST_TEST(actors::is(unknown, actors::errc::unknown_user));
}

BOOST_AUTO_TEST_CASE(applied_events_release_their_flow_control_room) {
  send({test::event_of("hank", "1", "click"), test::event_of("hank", "2", "click")});
  BOOST_TEST(flow->in_flight() == 0);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_writes_dirty_users_and_truncates_the_log) {
  send({test::event_of("ivy", "1", "click"), test::event_of("jack", "2", "click")});
  auto covered = ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(covered == 2u);
  BOOST_TEST(store->log.empty());
  BOOST_TEST(store->snapshots.count("ivy") == 1u);
  BOOST_TEST(store->snapshots.count("jack") == 1u);
  auto writes = store->snapshot_writes;
  send({test::event_of("ivy", "3", "click")});
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(store->snapshot_writes == writes + 1);  // only the dirty user is written again
}

BOOST_AUTO_TEST_CASE(a_failed_checkpoint_write_keeps_the_log_and_the_users_dirty) {
  send({test::event_of("ivan", "1", "click"), test::event_of("jade", "2", "click")});
  store->fail_snapshots = true;
  auto covered = ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(covered == 0u);  // no checkpoint: the log still holds both events
  BOOST_TEST(store->log.size() == 2u);
  BOOST_TEST(store->snapshots.empty());
  store->fail_snapshots = false;
  covered = ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(covered == 2u);  // asked again, although they had handed their bytes over
  BOOST_TEST(store->log.empty());
  BOOST_TEST(store->snapshots.count("ivan") == 1u);
  BOOST_TEST(store->snapshots.count("jade") == 1u);
}

BOOST_AUTO_TEST_CASE(recent_events_let_go_after_a_checkpoint_are_read_back_whole) {
  auto recent_ids = [this](const std::string& user) {
    std::vector<std::string> out;
    for (const auto& ev : profile_of(user).recent)
      out.push_back(ev.message_id);
    return out;
  };
  send({test::event_of("rita", "1", "click"), test::event_of("rita", "2", "click")});
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  // The written snapshot holds them: the live actor let them go, and reads them back once.
  auto reads = store->snapshot_reads;
  BOOST_TEST(recent_ids("rita") == (std::vector<std::string>{"1", "2"}),
             boost::test_tools::per_element());
  BOOST_TEST(store->snapshot_reads == reads + 1);
  BOOST_TEST(recent_ids("rita").size() == 2u);
  BOOST_TEST(store->snapshot_reads == reads + 1, "held again until the next snapshot");
  // A new event, a checkpoint: let go again, all three read back.
  send({test::event_of("rita", "3", "click")});
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(recent_ids("rita") == (std::vector<std::string>{"1", "2", "3"}),
             boost::test_tools::per_element());
  BOOST_TEST(store->snapshot_reads == reads + 2);
  // Let go once more; an event after that joins them in order without a read, and the
  // next snapshot holds all four.
  send({test::event_of("rita", "4", "click")});
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  send({test::event_of("rita", "5", "click")});
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(store->snapshot_reads == reads + 3, "completed before its snapshot");
  auto restored = actors::profile_state::restore("rita", actors::session_limits{},
                                                 store->snapshots.at("rita"));
  BOOST_REQUIRE(static_cast<bool>(restored));
  std::vector<std::string> stored;
  for (const auto& ev : restored->combined().view(*test::spec_model()).recent)
    stored.push_back(ev.message_id);
  BOOST_TEST(stored == (std::vector<std::string>{"1", "2", "3", "4", "5"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_snapshot_round_asked_during_another_runs_after_it) {
  // An asker that timed out may ask again before the earlier round wrote its sessions:
  // the later round waits for it, so it never vouches for bytes not yet written.
  send({test::event_of("nina", "1", "click")});
  const auto& shard = route->shard_for("nina");
  self->send(shard, actors::snapshot_atom::value);
  self->send(shard, actors::snapshot_atom::value);
  run();
  std::vector<bool> succeeded;
  for (int reply = 0; reply < 2; ++reply)
    self->receive([&](bool) { succeeded.push_back(true); },
                  [&](caf::error&) { succeeded.push_back(false); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  BOOST_TEST(succeeded == (std::vector<bool>{true, true}), boost::test_tools::per_element());
  BOOST_TEST(store->snapshots.count("nina") == 1u);
}

BOOST_AUTO_TEST_CASE(a_background_round_writes_one_small_slice_per_pause_within_its_spread) {
  send_users("u", 600);  // ~200 per shard: four slices of at most 64
  const auto& shard = route->shard_for("u0");
  auto users = users_of(shard, "u", 600);
  BOOST_REQUIRE(users.size() > 3 * 64);
  caf::timespan spread = std::chrono::seconds(12);
  auto began = sched.clock().now();
  self->send(shard, actors::snapshot_atom::value, spread);
  run();
  std::vector<std::size_t> written{snapshots_of(users)};
  bool done = false;
  while (!done) {
    BOOST_REQUIRE(sched.trigger_timeout());  // the pause after a slice
    run();
    written.push_back(snapshots_of(users));
    self->receive([&](bool ok) { done = ok; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  }
  BOOST_TEST(written.front() == 64u);
  for (std::size_t i = 1; i < written.size(); ++i)
    BOOST_TEST(written[i] - written[i - 1] <= 64u);
  BOOST_TEST(written.back() == users.size());
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(sched.clock().now() - began);
  BOOST_TEST(took.count() <= 12000);
}

BOOST_AUTO_TEST_CASE(sessions_waiting_their_turn_in_a_background_round_may_passivate) {
  stop();
  start(caf::duration{std::chrono::minutes(10)});
  send_users("w", 600);
  const auto& shard = route->shard_for("w0");
  auto users = users_of(shard, "w", 600);
  // Four slices over 4 h: an hour's pause after each, two idle sweeps within the first.
  self->send(shard, actors::snapshot_atom::value, caf::timespan{std::chrono::hours(4)});
  run();
  BOOST_REQUIRE(snapshots_of(users) == 64u);
  for (int sweep = 0; sweep < 2; ++sweep) {  // the first finds them active, the second idle
    sched.clock().advance_time(std::chrono::minutes(10));
    run();
  }
  auto stats = stats_of(shard);
  BOOST_TEST(stats.live == 0u);  // not held in memory for the hours the round takes
  BOOST_TEST(stats.passivated == users.size());
  BOOST_TEST(snapshots_of(users) == users.size());  // each wrote its own state
  bool done = false;
  while (!done && sched.clock().advance_time(std::chrono::hours(1)) > 0) {
    run();
    self->receive([&](bool ok) { done = ok; }, caf::after(std::chrono::seconds(0)) >> [] {});
  }
  BOOST_TEST(done);  // the round skips those that left and still succeeds
}

BOOST_AUTO_TEST_CASE(an_urgent_checkpoint_hurries_the_background_one_and_covers_all) {
  stop();
  options.checkpoint_interval = std::chrono::minutes(20);
  start();
  send_users("v", 600);
  BOOST_REQUIRE(sched.trigger_timeout());  // the periodic checkpoint: rounds in the background
  run();
  BOOST_TEST(store->snapshots.size() == 3 * 64u);  // first slices written, then a long pause
  BOOST_TEST(!store->log.empty());
  send({test::event_of("v0", "again", "click"), test::event_of("late", "1", "click")});
  // Shutdown asks for a checkpoint: it must cover every event, without waiting the pauses.
  auto covered = ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  BOOST_TEST(covered == 602u);
  BOOST_TEST(store->log.empty());
  BOOST_TEST(store->snapshots.size() == 601u);
  stop();  // nothing left to replay: v0 comes back from its snapshot alone
  start();
  BOOST_TEST(profile_of("v0").events == 2u);
}

BOOST_AUTO_TEST_CASE(after_a_restart_state_comes_back_from_snapshot_plus_log_exactly_once) {
  send({test::event_of("kim", "1", "click")});
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  send({test::event_of("kim", "2", "click"), test::event_of("kim", "3", "page_view")});
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
  send({test::event_of("lee", "1", "product_view"), test::event_of("lee", "2", "click")});
  auto before = profile_of("lee");
  for (int sweep = 0; sweep < 2; ++sweep) {  // the first finds lee active, the second idle
    sched.trigger_timeouts();
    run();
  }
  std::uint64_t live = 0, passivated = 0;
  for (const auto& shard : route->shards()) {
    auto stats = stats_of(shard);
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

BOOST_AUTO_TEST_CASE(a_session_whose_checkpoint_write_failed_writes_itself_when_passivated) {
  stop();
  start(caf::duration{std::chrono::minutes(10)});
  send({test::event_of("max", "1", "product_view")});
  store->fail_snapshots = true;
  ask<std::uint64_t>(ingest, actors::checkpoint_atom::value);
  store->fail_snapshots = false;
  for (int sweep = 0; sweep < 2; ++sweep) {
    sched.trigger_timeouts();
    run();
  }
  BOOST_TEST(store->snapshots.count("max") == 1u);
  BOOST_TEST(profile_of("max").events == 1u);  // revived from that snapshot
}

// Identity resolution through the actors: the same fixture, events of an anonymous id A
// and a user U that an identify call links.

namespace {

codecs::event anonymous_event(std::string anon, std::string id, std::string type) {
  codecs::event ev;
  ev.anonymous_id = std::move(anon);
  ev.message_id = std::move(id);
  ev.type = std::move(type);
  return ev;
}

struct identity_fixture : ingest_fixture {
  /// A and U each have state of their own, then one batch links them mid-way: an A event
  /// before the identify, a U and an A event after it. 4 events of A, 3 of U.
  void merge_a_into_u() {
    send({anonymous_event("A", "a1", "page_view"), anonymous_event("A", "a2", "product_view")});
    send({test::event_of("U", "u1", "click")});
    auto identify = test::event_of("U", "i1", "identify");
    identify.call = "identify";
    identify.anonymous_id = "A";
    auto accepted = send({anonymous_event("A", "a3", "click"), identify,
                          test::event_of("U", "u2", "add_to_cart"), anonymous_event("A", "a4", "click")});
    BOOST_TEST(accepted == 4u);
  }

  void replay_log() {
    actors::event_batch logged;
    for (const auto& [seq, ev] : store->log)
      logged.push_back(ev);
    ask<std::uint64_t>(ingest, actors::replay_atom::value, logged);
  }

  bool unknown(const std::string& key) {
    auto err = ask_error(route->shard_for(key), actors::profile_atom::value, key);
    return actors::is(err, actors::errc::unknown_user);
  }

  /// True when `key`'s profile answers a query (false, without failing, when it does not).
  bool answers(const std::string& key) {
    self->send(route->shard_for(key), actors::profile_atom::value, key);
    run();
    bool got = false;
    self->receive([&](actors::profile&) { got = true; }, [&](caf::error&) {},
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return got;
  }

  std::uint64_t live_sessions() {
    std::uint64_t live = 0;
    for (const auto& shard : route->shards())
      live += stats_of(shard).live;
    return live;
  }

  /// Every event applied once to the merged profile U.
  void check_merged() {
    auto u = profile_of("U");
    BOOST_TEST(u.events == 7u);
    BOOST_TEST((u.event_counts == std::map<std::string, std::uint64_t>{
                                   {"add_to_cart", 1}, {"click", 3}, {"identify", 1},
                                   {"page_view", 1}, {"product_view", 1}}));
    BOOST_TEST(u.duplicates == 0u);
  }

  /// A's events in A, U's in U, as if they had never been linked.
  void check_split() {
    auto a = profile_of("A");
    BOOST_TEST(a.events == 4u);
    BOOST_TEST((a.event_counts == std::map<std::string, std::uint64_t>{
                                   {"click", 2}, {"page_view", 1}, {"product_view", 1}}));
    auto u = profile_of("U");
    BOOST_TEST(u.events == 3u);
    BOOST_TEST((u.event_counts == std::map<std::string, std::uint64_t>{
                                   {"add_to_cart", 1}, {"click", 1}, {"identify", 1}}));
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_live_merge_counts_every_event_once_in_the_surviving_profile,
                        identity_fixture) {
  merge_a_into_u();
  BOOST_TEST(graph->profile_of("A") == "U");
  check_merged();
  // A's profile ended: no actor answers for it, its snapshot is gone, U's is written.
  BOOST_TEST(unknown("A"));
  BOOST_TEST(live_sessions() == 1u);
  BOOST_TEST(store->snapshots.count("A") == 0u);
  BOOST_TEST(store->snapshots.count("U") == 1u);
  BOOST_TEST(store->identity.count("p/U") == 1u);  // the link is stored with the events
  BOOST_TEST(flow->in_flight() == 0);
  // Later events of A go to U.
  send({anonymous_event("A", "a5", "click")});
  BOOST_TEST(profile_of("U").events == 8u);
  BOOST_TEST(unknown("A"));
}

BOOST_FIXTURE_TEST_CASE(a_replay_after_a_restart_repeats_the_merge_exactly_once,
                        identity_fixture) {
  merge_a_into_u();
  stop();  // a crash: the events after the merge are only in the log
  start();
  BOOST_TEST(graph->profile_of("A") == "U");  // the graph came back from the store
  replay_log();
  check_merged();
  BOOST_TEST(unknown("A"));
  replay_log();  // a second replay is a no-op
  check_merged();
  BOOST_TEST(unknown("A"));
  BOOST_TEST(store->snapshots.count("A") == 0u);
  send({anonymous_event("A", "a5", "click")});
  BOOST_TEST(profile_of("U").events == 8u);
}

BOOST_FIXTURE_TEST_CASE(an_unmerge_rebuilds_both_profiles_from_their_own_events,
                        identity_fixture) {
  merge_a_into_u();
  auto root = ask<actors::unmerge_reply>(ingest, actors::unmerge_atom::value, std::string{"U"});
  BOOST_TEST(root.status == 409);
  auto nobody = ask<actors::unmerge_reply>(ingest, actors::unmerge_atom::value,
                                           std::string{"nobody"});
  BOOST_TEST(nobody.status == 404);

  auto reply = ask<actors::unmerge_reply>(ingest, actors::unmerge_atom::value, std::string{"A"});
  BOOST_TEST(reply.status == 200, reply.reason);
  BOOST_TEST(reply.profile == "U");
  BOOST_TEST(reply.split == "A");
  BOOST_TEST(reply.origins == std::vector<std::string>{"A"});
  BOOST_TEST(graph->profile_of("A") == "A");
  check_split();
  BOOST_TEST(store->snapshots.count("A") == 1u);
  BOOST_TEST(store->snapshots.count("U") == 1u);
  // A's events go to A again.
  send({anonymous_event("A", "a5", "click")});
  BOOST_TEST(profile_of("A").events == 5u);
  BOOST_TEST(profile_of("U").events == 3u);
}

// A log holding a merge (U <- A) and then its unmerge (A <- U) replays both transfers at
// once: each must complete, so that both profiles answer and keep their own events.
// (This case found a deadlock of the first, pull-based transfer protocol: A awaited U's
// handover as the unmerge's receiver while U awaited A's as the merge's receiver.)
BOOST_FIXTURE_TEST_CASE(a_replay_after_an_unmerge_keeps_both_sides, identity_fixture) {
  merge_a_into_u();
  auto reply = ask<actors::unmerge_reply>(ingest, actors::unmerge_atom::value, std::string{"A"});
  BOOST_REQUIRE(reply.status == 200);
  stop();
  start();
  BOOST_TEST(graph->profile_of("A") == "A");
  replay_log();
  if (!answers("A") || !answers("U")) {
    BOOST_ERROR("after the replay a profile does not answer: its session actor waits on a "
                "transfer that cannot complete");
    // Let the transfer timeouts fire so that the actors (and this test) can end.
    sched.trigger_timeouts();
    run();
    return;
  }
  check_split();
  replay_log();
  check_split();
}

BOOST_FIXTURE_TEST_CASE(the_locator_finds_any_identity_and_pages_over_every_shard,
                        identity_fixture) {
  merge_a_into_u();
  send_users("x", 30);
  auto locator = caf::actor_cast<caf::actor>(
    sys.spawn(actors::local_locator, *route, graph, ingest, caf::timespan{std::chrono::seconds(5)}));
  // Any identity of a profile finds it, with the graph's view of its identities.
  auto u = ask<actors::profile>(locator, actors::profile_atom::value, std::string("A"));
  BOOST_TEST(u.profile_id == "U");
  BOOST_TEST(u.events == 7u);
  auto linked = std::find_if(u.identities.begin(), u.identities.end(),
                             [](const auto& i) { return i.kind == "anonymousId" && i.id == "A"; });
  BOOST_REQUIRE(linked != u.identities.end());
  BOOST_TEST(linked->link == "identify");  // the graph says how it joined
  auto summary = ask<actors::profile_summary>(locator, actors::summary_atom::value, std::string("A"));
  BOOST_TEST(summary.events == 7u);
  BOOST_TEST(actors::is(ask_error(locator, actors::profile_atom::value, std::string("nobody")),
                        actors::errc::unknown_user));
  // One sorted list over the three shards, a page at a time.
  using keys = std::vector<std::string>;
  auto first = ask<keys>(locator, actors::list_atom::value, std::string("x"), std::string(""),
                         std::uint32_t{20});
  auto second = ask<keys>(locator, actors::list_atom::value, std::string("x"), first.back(),
                          std::uint32_t{20});
  BOOST_TEST(first.size() == 20u);
  BOOST_TEST(second.size() == 10u);
  BOOST_TEST(std::is_sorted(first.begin(), first.end()));
  BOOST_TEST(first.back() < second.front());
  auto stats = ask<std::vector<actors::directory_stats>>(locator, actors::stats_atom::value);
  BOOST_TEST(stats.size() == 3u);
  std::uint64_t live = 0;
  for (const auto& s : stats)
    live += s.live;
  BOOST_TEST(live == 31u);  // x0..x29 and U (A was merged away)
}

BOOST_FIXTURE_TEST_CASE(events_of_a_profile_moved_by_a_merge_go_to_the_forwarder,
                        ingest_fixture) {
  // A cluster stores a forward stub under a giver whose state moved to another partition.
  store->snapshots["A"] = actors::forward_stub("U");
  auto shard = spawn_directory(caf::infinite, 0, self);
  flow->try_admit(2);
  self->send(shard, actors::route_atom::value, std::string("A"),
             actors::event_batch{test::event_of("A", "a9", "click"), test::event_of("A", "a10", "click")});
  run();
  std::string target;
  std::size_t forwarded = 0;
  self->receive([&](actors::forward_atom, const std::string& to, const actors::event_batch& batch) {
                  target = to;
                  forwarded = batch.size();
                },
                caf::after(std::chrono::seconds(0)) >> [] {});
  BOOST_TEST(target == "U");
  BOOST_TEST(forwarded == 2u);
  BOOST_TEST(flow->in_flight() == 0);  // the receiving partition takes their room
  BOOST_TEST(actors::is(ask_error(shard, actors::profile_atom::value, std::string("A")),
                        actors::errc::unknown_user));
  self->send_exit(shard, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(a_repeated_transfer_record_is_received_once, ingest_fixture) {
  // Cluster transfers carry ids: the receiver's await record and the giver's state record
  // are different log records. A producer retry repeats the await; it must not block.
  send({test::event_of("U", "u1", "click")});
  actors::transfer_plan plan{"U", "A", {}, "identify", 1, "T-7"};
  auto await = actors::transfer_record(plan, 1000);
  await.partition = 9;  // log positions of their own, apart from the node's events
  await.seq = 100;
  actors::profile_state giver{"A", actors::session_limits{}};
  std::vector<actors::change_event> changes;
  giver.apply(test::event_of("A", "a1", "product_view"), *test::spec_model(), changes);
  auto handed = actors::transfer_record(plan, 1000);
  handed.seq = 0;  // the state record: elsewhere in the log
  const auto& shard = route->shard_for("U");
  self->send(shard, actors::transfer_atom::value, await);
  self->send(shard, actors::handed_atom::value, handed,
             actors::handover_reply{giver.snapshot(), {}, false});
  auto repeat = await;
  repeat.seq = 101;
  self->send(shard, actors::transfer_atom::value, repeat);
  run();
  send({test::event_of("U", "u2", "click")});
  auto u = profile_of("U");
  BOOST_TEST(u.events == 3u);  // u1, a1 handed over once, u2 applied after the repeat
}

BOOST_AUTO_TEST_SUITE_END()
