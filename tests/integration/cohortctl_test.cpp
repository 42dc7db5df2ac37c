// cohortctl against a live cohortd: output and exit codes; `nodes` and `status` against
// a single node and against a two-node cluster on cohort-kafka-mock.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <memory>
#include <set>

#include "cluster_fixture.hpp"
#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

std::string describe(const run_result& r) {
  return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") +
         "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

/// The lines of `text` whose first word is `word`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& word) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.rfind(word + " ", 0) == 0)
      out.push_back(line);
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(cohortctl, server_fixture, *boost::unit_test::label("processes"))

BOOST_AUTO_TEST_CASE(status_prints_node_state) {
  auto r = run_cohortctl({"--server", server.base_url(), "status"});
  BOOST_TEST(r.exit_code == 0, describe(r));
  BOOST_TEST(r.out.find("node-1") != std::string::npos, "node id not shown: " << describe(r));

  auto j = run_cohortctl({"--server", server.base_url(), "--json", "status"});
  BOOST_TEST_REQUIRE(j.exit_code == 0, describe(j));
  BOOST_CHECK_NO_THROW(json_doc{j.out});
}

BOOST_AUTO_TEST_CASE(nodes_prints_the_single_node) {
  auto r = run_cohortctl({"--server", server.base_url(), "nodes"});
  BOOST_TEST_REQUIRE(r.exit_code == 0, describe(r));
  BOOST_TEST(r.out.rfind("NODE  ", 0) == 0u, "no header: " << describe(r));
  BOOST_TEST(r.out.find("VERSION") != std::string::npos, describe(r));
  BOOST_TEST(r.out.find("SEQUENCER") == std::string::npos, "cluster columns on a single node: " << describe(r));
  auto row = lines_starting(r.out, "node-1");
  BOOST_TEST_REQUIRE(row.size() == 1u, describe(r));
  BOOST_TEST(row[0].find(server.base_url().substr(7)) != std::string::npos, describe(r));
  BOOST_TEST(row[0].find(" up ") != std::string::npos, describe(r));

  auto j = run_cohortctl({"--server", server.base_url(), "--json", "nodes"});
  BOOST_TEST_REQUIRE(j.exit_code == 0, describe(j));
  json_doc doc(j.out);
  BOOST_TEST(doc.string_at("/mode") == std::optional<std::string>("single"), j.out);
  BOOST_TEST(doc.string_at("/nodes/0/id") == std::optional<std::string>("node-1"), j.out);
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

// A letter that fails again is counted so and stays; the selectors are checked first.
BOOST_AUTO_TEST_CASE(deadletters_replay_prints_counts) {
  const auto marker = unique_id("marker");
  auto res = post_json(client, "/v1/batch",
                       batch_of({R"({"type":"track","userId":"u","properties":{"m":")" + marker +
                                 "\"}}"}));
  BOOST_TEST_REQUIRE(res.status == 400, res.body);
  auto r = run_cohortctl({"--server", server.base_url(), "deadletters", "replay", "--reason",
                          "track requires", "--from", "2020-01-01T00:00:00Z"});
  BOOST_TEST(r.exit_code == 0, describe(r));
  BOOST_TEST(r.out.find("selected 1, replayed 0, failed again 1, skipped (late) 0") !=
                 std::string::npos, describe(r));
  auto listed = run_cohortctl({"--server", server.base_url(), "deadletters"});
  BOOST_TEST(listed.out.find(marker) != std::string::npos, describe(listed));
  auto j = run_cohortctl({"--server", server.base_url(), "--json", "deadletters", "replay",
                          "--ids", "999999"});
  BOOST_TEST(j.exit_code == 0, describe(j));
  BOOST_TEST(j.out.find("\"selected\":0") != std::string::npos, describe(j));

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"deadletters", "replay"},                  // selects nothing
           {"deadletters", "replay", "--ids", "1,x"},  // not ids
           {"deadletters", "--reason", "late"}}) {     // not a replay
    std::vector<std::string> full = {"--server", server.base_url()};
    full.insert(full.end(), args.begin(), args.end());
    auto bad = run_cohortctl(full);
    BOOST_TEST(bad.exit_code == 2, describe(bad));
  }
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

namespace {

/// The number of members `cohortctl --json nodes` on `node` marks as the sequencer.
int sequencers_seen(cohortd_process& node, std::string& last) {
  auto r = run_cohortctl({"--server", node.base_url(), "--json", "nodes"});
  last = r.out + r.err;
  if (r.exit_code != 0)
    return -1;
  int n = 0;
  json_doc doc(r.out);  // owns what items() points into
  for (auto m : doc.items("/nodes"))
    n += m["sequencer"].get_bool().value() ? 1 : 0;
  return n;
}

/// Runs cohortctl with `args` until its output says all 8 partitions are served (a
/// rebalance may still move one when a member joined late), for at most 30 s; the last run.
run_result run_until_all_serving(const std::vector<std::string>& args) {
  run_result r;
  eventually([&] {
    r = run_cohortctl(args);
    return r.out.find("8/8 partitions serving") != std::string::npos;
  }, std::chrono::seconds(30));
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cohortctl_cluster, *boost::unit_test::label("processes"))

BOOST_AUTO_TEST_CASE(nodes_and_status_show_members_partitions_and_sequencer) {
  cluster_fixture c{2};
  const int cluster_partitions = c.partitions();
  BOOST_TEST_REQUIRE(c.all_serving(2, std::chrono::seconds(90)), "the cluster did not settle");
  // The sequencer is elected in its own group, often a moment after the partitions.
  std::string last;
  BOOST_TEST_REQUIRE(eventually([&] { return sequencers_seen(c.node(0), last) == 1
                                             && sequencers_seen(c.node(1), last) == 1; },
                                std::chrono::seconds(60)),
                     "no single sequencer; last answer:\n" << last);
  std::vector<cohortd_process*> nodes{&c.node(0), &c.node(1)};

  auto r = run_until_all_serving({"--server", nodes[0]->base_url(), "nodes"});
  BOOST_TEST_REQUIRE(r.exit_code == 0, describe(r));
  BOOST_TEST(r.out.rfind("NODE  ", 0) == 0u, describe(r));
  for (const char* column : {"HTTP", "CLUSTER", "SEQUENCER", "PARTITIONS", "STATE", "LAG", "EPOCH"})
    BOOST_TEST(r.out.find(column) != std::string::npos, "no " << column << " column: " << describe(r));
  BOOST_TEST(r.out.find("cluster of 2 nodes, 8/8 partitions serving; this node n1") != std::string::npos,
             describe(r));

  // Each row: its HTTP address, "yes" for exactly one sequencer, and served partitions
  // that together are 0-7 once each ("0-3" style ranges, split by commas).
  std::multiset<int> served;
  int sequencers = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string id = i == 0 ? "n1" : "n2";
    auto rows = lines_starting(r.out, id);
    BOOST_TEST_REQUIRE(rows.size() == 1u, describe(r));
    std::istringstream cells{rows[0]};
    std::vector<std::string> words;
    for (std::string w; cells >> w;)
      words.push_back(w);
    if (i == 0) {
      BOOST_TEST_REQUIRE(words.size() > 1u, rows[0]);
      BOOST_TEST(words[1] == "*", "the answering node is not marked: " << rows[0]);
      words.erase(words.begin() + 1);
    }
    // n1 127.0.0.1:P 127.0.0.1:Q yes|- RANGES N serving LAG EPOCH
    BOOST_TEST_REQUIRE(words.size() == 9u, rows[0]);
    BOOST_TEST(words[1] == nodes[i]->base_url().substr(7), rows[0]);
    sequencers += words[3] == "yes";
    std::istringstream ranges{words[4]};
    for (std::string range; std::getline(ranges, range, ',');) {
      auto dash = range.find('-');
      int from = std::stoi(range.substr(0, dash));
      int to = dash == std::string::npos ? from : std::stoi(range.substr(dash + 1));
      for (int p = from; p <= to; ++p)
        served.insert(p);
    }
    BOOST_TEST(words[6] == "serving", rows[0]);
    BOOST_TEST(std::stoi(words[8]) >= 1, "epoch: " << rows[0]);
  }
  BOOST_TEST(sequencers == 1, describe(r));
  std::multiset<int> all;
  for (int p = 0; p < cluster_partitions; ++p)
    all.insert(p);
  BOOST_TEST((served == all), "partitions not served once each: " << describe(r));

  auto j = run_cohortctl({"--server", nodes[1]->base_url(), "--json", "nodes"});
  BOOST_TEST_REQUIRE(j.exit_code == 0, describe(j));
  json_doc doc(j.out);
  BOOST_TEST(doc.string_at("/mode") == std::optional<std::string>("cluster"), j.out);
  BOOST_TEST(doc.string_at("/self") == std::optional<std::string>("n2"), j.out);

  auto s = run_until_all_serving({"--server", nodes[1]->base_url(), "status"});
  BOOST_TEST_REQUIRE(s.exit_code == 0, describe(s));
  BOOST_TEST(s.out.rfind("cluster of 2 nodes, 8/8 partitions serving; this node n2\n", 0) == 0u, describe(s));
  // The answering node's fields come first.
  auto first_id = s.out.find("\nid ");
  BOOST_TEST_REQUIRE(first_id != std::string::npos, describe(s));
  BOOST_TEST(s.out.substr(first_id, s.out.find('\n', first_id + 1) - first_id).find("n2") != std::string::npos,
             describe(s));
}

BOOST_AUTO_TEST_SUITE_END()
