// Deduplication by messageId (Segment) and by event_id + session_id (native shapes).
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

BOOST_FIXTURE_TEST_SUITE(dedup, server_fixture)

BOOST_AUTO_TEST_CASE(duplicate_message_id_is_acked_and_applied_once) {
  const std::string user = unique_id("dup-user");
  const std::string id = unique_id("dup-msg");
  const std::string msg = track_msg(user, "Product Viewed", id);
  // A retry of the same request, then the same message twice inside one batch.
  for (int i = 0; i < 2; ++i) {
    auto res = post_json(client, "/v1/batch", batch_of({msg}));
    BOOST_TEST_REQUIRE(res.status == 200, "send " << i << ": " << res.status << " " << res.body);
    BOOST_TEST(json_doc(res.body).bool_at("/success") == std::optional<bool>(true), res.body);
  }
  auto twice = post_json(client, "/v1/batch", batch_of({msg, msg}));
  BOOST_TEST_REQUIRE(twice.status == 200, twice.status << " " << twice.body);

  // Barrier: a distinct message for the same user.
  auto barrier = post_json(client, "/v1/page", page_msg(user, "Home", unique_id("barrier")));
  BOOST_TEST_REQUIRE(barrier.status == 200, barrier.body);
  auto poll = wait_for_profile(client, user,
                               [](const json_doc& p) { return event_count(p, "page_view") == 1; });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  BOOST_TEST(event_count(*poll.doc, "product_view") == 1, poll.body);
  BOOST_TEST(poll.doc->int_at("/events") == std::optional<std::int64_t>(2), poll.body);
  BOOST_TEST(poll.doc->int_at("/duplicates") == std::optional<std::int64_t>(3), poll.body);
}

BOOST_AUTO_TEST_CASE(distinct_message_ids_are_not_duplicates) {
  // Distinct messageIds for one user are never merged.
  const std::string user = unique_id("distinct-user");
  auto res = post_json(client, "/v1/batch",
                       batch_of({track_msg(user, "Product Viewed", unique_id("d")),
                                 track_msg(user, "Product Viewed", unique_id("d"))}));
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  auto poll = wait_for_profile(client, user,
                               [](const json_doc& p) { return event_count(p, "product_view") == 2; });
  BOOST_TEST(poll.satisfied, poll.body);
  if (poll.doc)
    BOOST_TEST(poll.doc->int_at("/duplicates") == std::optional<std::int64_t>(0), poll.body);
}

BOOST_AUTO_TEST_CASE(native_event_id_and_session_id_dedup) {
  const std::string user = unique_id("native-dup");
  const std::string web = R"({"event_type":"click","user_id":")" + user +
                          R"(","timestamp":1714564800000,"path":"/p","x":1,"y":2,"button_id":"b","session_id":"s1","event_id":"e1"})";
  const std::string same_id_other_session =
      R"({"event_type":"click","user_id":")" + user +
      R"(","timestamp":1714564800000,"path":"/p","x":1,"y":2,"button_id":"b","session_id":"s2","event_id":"e1"})";
  for (int i = 0; i < 2; ++i) {
    auto res = post_json(client, "/v1/events", "[" + web + "]");
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  }
  auto other = post_json(client, "/v1/events", "[" + same_id_other_session + "]");
  BOOST_TEST_REQUIRE(other.status == 200, other.status << " " << other.body);
  auto poll = wait_for_profile(client, user, [](const json_doc& p) {
    return event_count(p, "click") >= 2;
  });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  BOOST_TEST(event_count(*poll.doc, "click") == 2, poll.body);
  BOOST_TEST(poll.doc->int_at("/duplicates") == std::optional<std::int64_t>(1), poll.body);
}

BOOST_AUTO_TEST_SUITE_END()
