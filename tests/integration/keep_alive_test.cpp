// HTTP/1.1 connection handling: keep-alive and pipelining.
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

http_request make(std::string method, std::string target, std::string body = {}) {
  http_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  if (r.method == "POST")
    r.headers = {{"Content-Type", "application/json"}, {"Authorization", basic_auth("test-key")}};
  return r;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(keep_alive, server_fixture)

BOOST_AUTO_TEST_CASE(sequential_requests_share_one_connection) {
  const std::string user = unique_id("ka-user");
  for (int i = 0; i < 30; ++i) {
    auto res = i % 2 == 0 ? client.get("/healthz")
                          : post_json(client, "/v1/track",
                                      track_msg(user, "Product Viewed", "ka-" + std::to_string(i)));
    BOOST_TEST_REQUIRE(res.status == 200, "request " << i << ": " << res.status << " " << res.body);
  }
  BOOST_TEST(client.connections_opened() == 1, "server closed a keep-alive connection");
  auto poll = wait_for_profile(client, user, [](const json_doc& p) { return event_count(p, "product_view") == 15; });
  BOOST_TEST(poll.satisfied, poll.body);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
  const std::string user = unique_id("pipe-user");
  const std::vector<http_request> reqs = {
      make("GET", "/healthz"),
      make("GET", "/v1/profiles/" + unique_id("nobody")),
      make("POST", "/v1/track", track_msg(user, "Product Viewed", "p1")),
      make("GET", "/v1/no-such-endpoint"),
      make("POST", "/v1/track", "{broken"),
      make("POST", "/v1/track", track_msg(user, "Product Added", "p2")),
      make("GET", "/healthz"),
  };
  http_client pipe_client("127.0.0.1", server.port());
  auto responses = pipe_client.pipeline(reqs);
  const std::vector<int> expected = {200, 404, 200, 404, 400, 200, 200};
  std::vector<int> got;
  for (const auto& r : responses)
    got.push_back(r.status);
  BOOST_TEST(got == expected, boost::test_tools::per_element());
  BOOST_TEST(json_doc(responses[2].body).bool_at("/success") == std::optional<bool>(true), responses[2].body);
  BOOST_TEST(json_doc(responses[4].body).bool_at("/success") == std::optional<bool>(false), responses[4].body);
  BOOST_TEST(pipe_client.connections_opened() == 1);

  auto poll = wait_for_profile(client, user, [](const json_doc& p) {
    return event_count(p, "product_view") == 1 && event_count(p, "add_to_cart") == 1;
  });
  BOOST_TEST(poll.satisfied, poll.body);
}

BOOST_AUTO_TEST_CASE(many_pipelined_posts_for_one_user) {
  const std::string user = unique_id("pipe-many");
  std::vector<http_request> reqs;
  for (int i = 0; i < 50; ++i)
    reqs.push_back(make("POST", "/v1/track", track_msg(user, "Product Viewed", "pm-" + std::to_string(i))));
  http_client pipe_client("127.0.0.1", server.port());
  auto responses = pipe_client.pipeline(reqs);
  for (std::size_t i = 0; i < responses.size(); ++i)
    BOOST_TEST(responses[i].status == 200, "response " << i << ": " << responses[i].body);
  auto poll = wait_for_profile(client, user, [](const json_doc& p) { return event_count(p, "product_view") == 50; });
  BOOST_TEST(poll.satisfied, poll.body);
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured) {
  http_client once("127.0.0.1", server.port());
  auto res = once.request("GET", "/healthz", {}, {{"Connection", "close"}});
  BOOST_TEST(res.status == 200);
  BOOST_TEST(res.header("Connection") == "close", "no Connection: close in the answer");
}

BOOST_AUTO_TEST_SUITE_END()
