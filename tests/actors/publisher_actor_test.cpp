#include "actor_fixture.hpp"

#include "actors/publisher_actor.hpp"

using namespace cohort;
using actors::change_event;
using actors::subscription;

namespace {

change_event segment_change(std::string user, std::string from, std::string to) {
  change_event ev;
  ev.type = change_event::kind::segment_change;
  ev.user_id = std::move(user);
  ev.from = std::move(from);
  ev.to = std::move(to);
  ev.message_id = ev.user_id + ":" + ev.from + "->" + ev.to;
  return ev;
}

change_event tags_change(std::string user, std::string segment, std::string added) {
  change_event ev;
  ev.type = change_event::kind::tags_change;
  ev.user_id = std::move(user);
  ev.to = std::move(segment);
  ev.added = {added};
  ev.tags = {added};
  ev.message_id = ev.user_id + ":+" + added;
  return ev;
}

subscription user(std::string id) {
  return {subscription::kind::user, std::move(id)};
}

subscription segment(std::string name) {
  return {subscription::kind::segment, std::move(name)};
}

struct publisher_fixture : test::actor_fixture {
  explicit publisher_fixture(actors::publisher_limits limits = {})
    : publisher(sys.spawn(actors::publisher_actor, limits)) {
  }

  void subscribe(const caf::scoped_actor& who, subscription sub) {
    self->send(publisher, actors::subscribe_atom::value, std::move(sub), caf::actor{who});
    run();
  }

  void unsubscribe(const caf::scoped_actor& who, subscription sub) {
    self->send(publisher, actors::unsubscribe_atom::value, std::move(sub), caf::actor{who});
    run();
  }

  void publish(change_event ev) {
    self->send(publisher, actors::publish_atom::value, std::move(ev));
    run();
  }

  /// The message ids of the change events waiting in `who`'s mailbox, in order.
  std::vector<std::string> received(const caf::scoped_actor& who) {
    std::vector<std::string> out;
    bool more = true;
    while (more)
      who->receive([&](const change_event& ev) { out.push_back(ev.message_id); },
                   caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    return out;
  }

  actors::publisher_stats stats() {
    return ask<actors::publisher_stats>(publisher, actors::stats_atom::value);
  }

  caf::actor publisher;
};

using ids = std::vector<std::string>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(publisher_suite, publisher_fixture)

BOOST_AUTO_TEST_CASE(a_user_subscriber_receives_only_that_users_changes) {
  caf::scoped_actor alice_watcher{sys};
  subscribe(alice_watcher, user("alice"));
  publish(segment_change("alice", "", "new"));
  publish(segment_change("bob", "", "new"));
  publish(tags_change("alice", "new", "vip"));
  BOOST_TEST(received(alice_watcher) == (ids{"alice:->new", "alice:+vip"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_segment_subscriber_receives_changes_into_and_out_of_the_segment) {
  caf::scoped_actor watcher{sys};
  subscribe(watcher, segment("vip"));
  publish(segment_change("alice", "new", "vip"));  // into
  publish(tags_change("alice", "vip", "loyal"));   // inside
  publish(segment_change("bob", "new", "churn"));  // elsewhere
  publish(tags_change("bob", "churn", "sad"));     // elsewhere
  publish(segment_change("alice", "vip", "churn"));  // out of
  BOOST_TEST(received(watcher) == (ids{"alice:new->vip", "alice:+loyal", "alice:vip->churn"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(overlapping_subscriptions_deliver_an_event_once) {
  caf::scoped_actor watcher{sys};
  subscribe(watcher, user("alice"));
  subscribe(watcher, segment("new"));
  subscribe(watcher, segment("vip"));
  subscribe(watcher, segment("vip"));  // idempotent
  publish(segment_change("alice", "new", "vip"));
  BOOST_TEST(received(watcher) == (ids{"alice:new->vip"}), boost::test_tools::per_element());
  BOOST_TEST(stats().subscriptions == 3u);
}

BOOST_AUTO_TEST_CASE(several_subscribers_of_one_key_all_receive) {
  caf::scoped_actor first{sys};
  caf::scoped_actor second{sys};
  subscribe(first, segment("vip"));
  subscribe(second, segment("vip"));
  publish(segment_change("alice", "", "vip"));
  BOOST_TEST(received(first) == (ids{"alice:->vip"}), boost::test_tools::per_element());
  BOOST_TEST(received(second) == (ids{"alice:->vip"}), boost::test_tools::per_element());
  BOOST_TEST(stats().delivered == 2u);
}

BOOST_AUTO_TEST_CASE(unsubscribe_stops_delivery) {
  caf::scoped_actor watcher{sys};
  subscribe(watcher, user("alice"));
  subscribe(watcher, segment("vip"));
  unsubscribe(watcher, user("alice"));
  publish(segment_change("alice", "", "new"));
  BOOST_TEST(received(watcher).empty());
  publish(segment_change("bob", "", "vip"));
  BOOST_TEST(received(watcher) == (ids{"bob:->vip"}), boost::test_tools::per_element());
  unsubscribe(watcher, segment("vip"));
  unsubscribe(watcher, segment("vip"));  // idempotent
  publish(segment_change("carol", "", "vip"));
  BOOST_TEST(received(watcher).empty());
  BOOST_TEST(stats().subscribers == 0u);
}

BOOST_AUTO_TEST_CASE(a_dead_subscriber_is_forgotten) {
  // The unused argument: CAF 0.17 spawns of argument-less functions trip UBSan.
  auto doomed = sys.spawn(
    [](caf::event_based_actor*, int) -> caf::behavior { return {[](const change_event&) {}}; },
    0);
  self->send(publisher, actors::subscribe_atom::value, user("alice"), doomed);
  self->send(publisher, actors::subscribe_atom::value, segment("vip"), doomed);
  run();
  BOOST_TEST(stats().subscribers == 1u);
  self->send_exit(doomed, caf::exit_reason::user_shutdown);
  run();
  BOOST_TEST(stats().subscribers == 0u);
  BOOST_TEST(stats().subscriptions == 0u);
  publish(segment_change("alice", "", "vip"));
  auto after = stats();
  BOOST_TEST(after.published == 1u);
  BOOST_TEST(after.delivered == 0u);
}

BOOST_AUTO_TEST_CASE(an_exit_message_stops_the_publisher) {
  caf::scoped_actor watcher{sys};
  subscribe(watcher, user("alice"));
  self->monitor(publisher);
  self->send_exit(publisher, caf::exit_reason::user_shutdown);
  run();
  bool down = false;
  self->receive([&](const caf::down_msg& msg) { down = msg.source == publisher; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  BOOST_TEST(down);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct capped_fixture : publisher_fixture {
  capped_fixture() : publisher_fixture(actors::publisher_limits{2}) {
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(publisher_limits_suite, capped_fixture)

BOOST_AUTO_TEST_CASE(subscriptions_past_the_cap_are_refused_and_counted) {
  caf::scoped_actor first{sys};
  caf::scoped_actor second{sys};
  subscribe(first, user("alice"));
  subscribe(first, segment("vip"));
  subscribe(second, user("alice"));
  auto full = stats();
  BOOST_TEST(full.subscriptions == 2u);
  BOOST_TEST(full.subscribers == 1u);
  BOOST_TEST(full.refused == 1u);
  publish(segment_change("alice", "", "new"));
  BOOST_TEST(received(second).empty());
  unsubscribe(first, segment("vip"));
  subscribe(second, user("alice"));
  publish(segment_change("alice", "new", "vip"));
  BOOST_TEST(received(second) == (ids{"alice:new->vip"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
