// An acknowledged event survives a restart and a kill -9, applied exactly once.
#include <signal.h>

#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

std::string send_batch(http_client& client, const std::string& user, const std::string& prefix) {
  auto res = post_json(client, "/v1/batch",
                       batch_of({track_msg(user, "Product Viewed", prefix + "-1"),
                                 track_msg(user, "Product Added", prefix + "-2"),
                                 page_msg(user, "Home", prefix + "-3")}));
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  return res.body;
}

bool has_the_batch(const json_doc& p) {
  return event_count(p, "product_view") == 1 && event_count(p, "add_to_cart") == 1 &&
         event_count(p, "page_view") == 1;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(durability, server_fixture)

BOOST_AUTO_TEST_CASE(acknowledged_events_survive_a_restart) {
  const std::string user = unique_id("restart-user");
  send_batch(client, user, "r");
  BOOST_TEST_REQUIRE(server.stop() == 0, server.stderr_text());
  server.start();
  http_client after("127.0.0.1", server.port());
  auto poll = wait_for_profile(after, user, has_the_batch, std::chrono::seconds(10));
  BOOST_TEST_REQUIRE(poll.satisfied, poll.status << " " << poll.body);
  BOOST_TEST(poll.doc->int_at("/events") == std::optional<std::int64_t>(3), poll.body);
}

BOOST_AUTO_TEST_CASE(acknowledged_events_survive_kill_9_exactly_once) {
  const std::string user = unique_id("kill-user");
  send_batch(client, user, "k");
  server.stop(SIGKILL);  // right after the 200: nothing may be lost
  server.start();
  http_client after("127.0.0.1", server.port());
  auto poll = wait_for_profile(after, user, has_the_batch, std::chrono::seconds(10));
  BOOST_TEST_REQUIRE(poll.satisfied, poll.status << " " << poll.body);
  BOOST_TEST(poll.doc->int_at("/events") == std::optional<std::int64_t>(3), poll.body);
}

BOOST_AUTO_TEST_CASE(dedup_window_survives_a_restart) {
  // An SDK retrying a batch across a server restart must not double count.
  const std::string user = unique_id("retry-user");
  send_batch(client, user, "d");
  BOOST_TEST_REQUIRE(server.stop() == 0, server.stderr_text());
  server.start();
  http_client after("127.0.0.1", server.port());
  auto restored = wait_for_profile(after, user, has_the_batch, std::chrono::seconds(10));
  BOOST_TEST_REQUIRE(restored.satisfied, "state not restored: " << restored.status << " " << restored.body);
  send_batch(after, user, "d");  // the same messageIds again
  auto barrier = post_json(after, "/v1/track", track_msg(user, "Order Completed", "d-barrier"));
  BOOST_TEST_REQUIRE(barrier.status == 200, barrier.body);
  auto poll = wait_for_profile(after, user, [](const json_doc& p) { return event_count(p, "purchase") == 1; },
                               std::chrono::seconds(10));
  BOOST_TEST_REQUIRE(poll.satisfied, poll.status << " " << poll.body);
  BOOST_TEST(has_the_batch(*poll.doc), poll.body);
  BOOST_TEST(poll.doc->int_at("/events") == std::optional<std::int64_t>(4), poll.body);
}

BOOST_AUTO_TEST_SUITE_END()
