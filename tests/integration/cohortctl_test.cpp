// cohortctl against a live cohortd: output and exit codes.
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

std::string describe(const run_result& r) {
  return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") +
         "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(cohortctl, server_fixture)

BOOST_AUTO_TEST_CASE(status_prints_node_state) {
  auto r = run_cohortctl({"--server", server.base_url(), "status"});
  BOOST_TEST(r.exit_code == 0, describe(r));
  BOOST_TEST(r.out.find("node-1") != std::string::npos, "node id not shown: " << describe(r));

  auto j = run_cohortctl({"--server", server.base_url(), "--json", "status"});
  BOOST_TEST_REQUIRE(j.exit_code == 0, describe(j));
  BOOST_CHECK_NO_THROW(json_doc{j.out});
}

BOOST_AUTO_TEST_CASE(profile_prints_counts_and_json) {
  const std::string user = unique_id("ctl-user");
  auto res = post_json(client, "/v1/batch",
                       batch_of({track_msg(user, "Product Viewed", "c1"), track_msg(user, "Product Viewed", "c2"),
                                 page_msg(user, "Home", "c3")}));
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  auto poll = wait_for_profile(client, user, [](const json_doc& p) { return p.int_at("/events") == 3; });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);

  auto r = run_cohortctl({"--server", server.base_url(), "profile", user});
  BOOST_TEST(r.exit_code == 0, describe(r));
  BOOST_TEST(r.out.find(user) != std::string::npos, describe(r));
  BOOST_TEST(r.out.find("product_view") != std::string::npos, describe(r));

  auto j = run_cohortctl({"--server", server.base_url(), "--json", "profile", user});
  BOOST_TEST_REQUIRE(j.exit_code == 0, describe(j));
  json_doc doc(j.out);
  BOOST_TEST(doc.string_at("/userId") == std::optional<std::string>(user), j.out);
  BOOST_TEST(event_count(doc, "product_view") == 2, j.out);
  BOOST_TEST(event_count(doc, "page_view") == 1, j.out);
}

BOOST_AUTO_TEST_CASE(unknown_user_exits_1) {
  auto r = run_cohortctl({"--server", server.base_url(), "profile", unique_id("nobody")});
  BOOST_TEST(r.exit_code == 1, describe(r));
  BOOST_TEST(!r.err.empty(), "no message: " << describe(r));
}

BOOST_AUTO_TEST_CASE(unreachable_server_fails) {
  const std::string url = server.base_url();
  BOOST_TEST_REQUIRE(server.stop() == 0);
  auto r = run_cohortctl({"--server", url, "status"}, std::chrono::seconds(20));
  BOOST_TEST(!r.timed_out, describe(r));
  BOOST_TEST(r.exit_code != 0, describe(r));
  BOOST_TEST(!r.err.empty(), describe(r));
}

BOOST_AUTO_TEST_SUITE_END()
