// Admin and query endpoints around ingestion.
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

BOOST_FIXTURE_TEST_SUITE(admin, server_fixture)

BOOST_AUTO_TEST_CASE(nodes_count_accepted_events) {
  auto first = client.get("/admin/api/nodes");
  BOOST_TEST_REQUIRE(first.status == 200, first.body);
  json_doc before(first.body);
  BOOST_TEST(before.string_at("/mode") == std::optional<std::string>("single"), first.body);
  auto nodes = before.items("/nodes");
  BOOST_TEST_REQUIRE(nodes.size() == 1u, first.body);
  BOOST_TEST(string_field(nodes[0], "id") == std::optional<std::string>("node-1"), first.body);
  BOOST_TEST(string_field(nodes[0], "state").has_value(), first.body);
  const std::int64_t accepted_before = before.int_at("/nodes/0/eventsAccepted").value_or(-1);
  BOOST_TEST_REQUIRE(accepted_before >= 0, "no eventsAccepted: " << first.body);

  const std::string user = unique_id("nodes-user");
  auto res = post_json(client, "/v1/batch",
                       batch_of({track_msg(user, "Product Viewed", "n1"), track_msg(user, "Product Viewed", "n2"),
                                 page_msg(user, "Home", "n3")}));
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  std::string last;
  bool counted = eventually([&] {
    auto r = client.get("/admin/api/nodes");
    last = r.body;
    return r.status == 200 && json_doc(r.body).int_at("/nodes/0/eventsAccepted").value_or(0) >= accepted_before + 3;
  });
  BOOST_TEST(counted, "eventsAccepted did not grow by 3: " << last);
}

BOOST_AUTO_TEST_CASE(unknown_profile_is_404) {
  auto res = client.get("/v1/profiles/" + unique_id("never-seen"));
  BOOST_TEST(res.status == 404, res.body);
}

BOOST_AUTO_TEST_CASE(user_ids_needing_url_encoding) {
  const std::string user = "user with space/and+plus@example.com";
  auto res = post_json(client, "/v1/track", track_msg(user, "Product Viewed", unique_id("enc")));
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  auto poll = wait_for_profile(client, "user%20with%20space%2Fand%2Bplus%40example.com",
                               [](const json_doc& p) { return event_count(p, "product_view") == 1; });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.status << " " << poll.body);
  BOOST_TEST(poll.doc->string_at("/userId") == std::optional<std::string>(user), poll.body);
}

BOOST_AUTO_TEST_SUITE_END()
