// Write-key authentication: HTTP Basic (key as user name) or `writeKey` in the body.
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

BOOST_FIXTURE_TEST_SUITE(auth, server_fixture)

BOOST_AUTO_TEST_CASE(wrong_key_is_401_and_changes_nothing) {
  const std::string user = unique_id("auth-user");
  const std::string msg = track_msg(user, "Product Viewed", "w1");

  auto basic_wrong = post_json(client, "/v1/track", msg, "wrong-key");
  BOOST_TEST(basic_wrong.status == 401, basic_wrong.body);

  auto no_credentials = post_json(client, "/v1/batch", batch_of({msg}), "");
  BOOST_TEST(no_credentials.status == 401, no_credentials.body);

  auto body_wrong = post_json(client, "/v1/batch", batch_of({msg}, R"(,"writeKey":"wrong-key")"), "");
  BOOST_TEST(body_wrong.status == 401, body_wrong.body);

  auto prefix_of_key = client.request(
      "POST", "/v1/track", msg,
      {{"Content-Type", "application/json"}, {"Authorization", basic_auth("test-key-not")}});
  BOOST_TEST(prefix_of_key.status == 401, prefix_of_key.body);

  auto native_wrong = client.request(
      "POST", "/v1/events",
      R"([{"event_type":"click","user_id":")" + user +
          R"(","timestamp":1714564800000,"path":"/p","session_id":"s1","event_id":"e1"}])",
      {{"Content-Type", "application/json"}, {"Authorization", basic_auth("wrong-key")}});
  BOOST_TEST(native_wrong.status == 401, "/v1/events with a wrong key: " << native_wrong.status);

  // Barrier: a valid event for the same user. Once it shows, nothing rejected may show.
  auto ok = post_json(client, "/v1/page", page_msg(user, "Home", "w2"));
  BOOST_TEST_REQUIRE(ok.status == 200, ok.body);
  auto poll = wait_for_profile(client, user,
                               [](const json_doc& p) { return event_count(p, "page_view") == 1; });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  BOOST_TEST(event_count(*poll.doc, "product_view") == 0, poll.body);
  BOOST_TEST(event_count(*poll.doc, "click") == 0, poll.body);
  BOOST_TEST(poll.doc->int_at("/events") == std::optional<std::int64_t>(1), poll.body);
}

BOOST_AUTO_TEST_CASE(basic_auth_or_body_write_key) {
  const std::string user = unique_id("key-user");
  // Basic auth only (as Segment's and RudderStack's node SDKs send).
  auto basic = post_json(client, "/v1/track", track_msg(user, "Product Viewed", "b1"));
  BOOST_TEST(basic.status == 200, basic.body);
  // writeKey in the body only, no Authorization header.
  auto in_body = post_json(client, "/v1/track",
                           track_msg(user, "Product Added", "b2", R"(,"writeKey":"test-key")"), "");
  BOOST_TEST(in_body.status == 200, in_body.body);
  auto batch_body = post_json(client, "/v1/batch",
                              batch_of({track_msg(user, "Order Completed", "b3")}, R"(,"writeKey":"test-key")"),
                              "");
  BOOST_TEST(batch_body.status == 200, batch_body.body);
  // Both, agreeing (Segment's SDK sends both).
  auto both = post_json(client, "/v1/batch",
                        batch_of({page_msg(user, "Home", "b4")}, R"(,"writeKey":"test-key")"));
  BOOST_TEST(both.status == 200, both.body);

  auto poll = wait_for_profile(client, user, [](const json_doc& p) {
    return event_count(p, "product_view") == 1 && event_count(p, "add_to_cart") == 1 &&
           event_count(p, "purchase") == 1 && event_count(p, "page_view") == 1;
  });
  BOOST_TEST(poll.satisfied, "last " << poll.status << " " << poll.body);
}

BOOST_AUTO_TEST_SUITE_END()

struct open_server : server_fixture {
  open_server() : server_fixture("ingest: {write_keys: [], max_body_bytes: 65536}\n") {}
};

BOOST_FIXTURE_TEST_CASE(empty_write_keys_turn_auth_off, open_server) {
  const std::string user = unique_id("open-user");
  auto res = post_json(client, "/v1/track", track_msg(user, "Product Viewed", "o1"), "");
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  auto any_key = post_json(client, "/v1/track", track_msg(user, "Product Viewed", "o2"), "whatever");
  BOOST_TEST_REQUIRE(any_key.status == 200, any_key.status << " " << any_key.body);
  auto poll = wait_for_profile(client, user,
                               [](const json_doc& p) { return event_count(p, "product_view") == 2; });
  BOOST_TEST(poll.satisfied, "last " << poll.status << " " << poll.body);
}
