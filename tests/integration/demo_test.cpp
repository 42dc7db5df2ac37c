// --demo with the shipped config: within a minute the simulated shoppers move users into
// and out of every configured segment, so that a newcomer's console shows segments
// moving both ways (issue 14). Changes are watched on /v1/stream as the console does.
#include <filesystem>
#include <map>
#include <set>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include "ws_client.hpp"

using namespace cohort::it;

namespace {

/// config/cohort.yaml of this source tree: the rules a newcomer runs the demo with.
std::string shipped_config() {
  return read_file((std::filesystem::path(source_dir()) / "config" / "cohort.yaml").string());
}

const std::vector<std::string> shipped_segments = {"High Intent", "Bounce Risk", "Standard"};

} // namespace

BOOST_AUTO_TEST_SUITE(demo, *boost::unit_test::label("processes"))

BOOST_AUTO_TEST_CASE(shoppers_move_users_into_and_out_of_every_segment_within_a_minute) {
  cohortd_process server{shipped_config(), {"--demo"}};
  ws_client ws(server.port());
  for (const auto& segment : shipped_segments) {
    ws.send(R"({"op":"subscribe","segment":")" + segment + "\"}");
    auto ack = ws.next(default_deadline);
    BOOST_TEST_REQUIRE(ack.has_value(), "no ack for " << segment);
  }
  std::map<std::string, std::set<std::string>> seen;  // segment -> {"in", "out"}
  auto all_seen = [&] {
    for (const auto& segment : shipped_segments)
      if (seen[segment].size() != 2)
        return false;
    return true;
  };
  const auto deadline = clock::now() + std::chrono::seconds(60);
  while (!all_seen() && clock::now() < deadline) {
    auto m = ws.next(std::chrono::seconds(5));
    if (!m)
      continue;
    json_doc change(*m);
    if (change.string_at("/type") != std::optional<std::string>("segment_change"))
      continue;
    if (auto to = change.string_at("/to"))
      seen[*to].insert("in");
    if (auto from = change.string_at("/from"))
      seen[*from].insert("out");
  }
  for (const auto& segment : shipped_segments)
    BOOST_TEST(seen[segment].size() == 2, segment << ": saw only " << seen[segment].size()
                                                  << " of in/out within 60 s");
}

BOOST_AUTO_TEST_SUITE_END()
