// The shipped config/cohort.yaml: loads cleanly, says what SPEC section 9 says, and
// spells out the built-in native mappings exactly.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "codecs/native_decoder.hpp"
#include "config/loader.hpp"
#include "helpers.hpp"

using namespace cohort::config;

namespace {

// ctest sets COHORT_SOURCE_DIR; a bare run of the binary finds the file from here.
std::string shipped_config_path() {
  if (const char* dir = std::getenv("COHORT_SOURCE_DIR"); dir && *dir) {
    return std::string(dir) + "/config/cohort.yaml";
  }
  const auto root = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  return (root / "config" / "cohort.yaml").string();
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const load_result& shipped() {
  static const load_result result = load_file(shipped_config_path());
  return result;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shipped_config)

BOOST_AUTO_TEST_CASE(loads_without_errors) {
  BOOST_TEST_REQUIRE(shipped().ok(), "errors:\n" << test::dump(shipped()));
  BOOST_TEST(shipped().cfg.source_path == shipped_config_path());
}

BOOST_AUTO_TEST_CASE(every_line_is_commented) {
  std::istringstream lines(read_all(shipped_config_path()));
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (line.find_first_not_of(' ') == std::string::npos) continue;
    BOOST_TEST(line.find('#') != std::string::npos, "line " << number << ": " << line);
  }
  BOOST_TEST(number > 50);
}

BOOST_AUTO_TEST_CASE(matches_spec_section_9) {
  const config& cfg = shipped().cfg;
  BOOST_TEST(cfg.node.id == "node-1");
  BOOST_TEST(cfg.node.listen == "127.0.0.1:8080");
  BOOST_TEST(cfg.node.data_dir == "./cohort-data");
  BOOST_TEST(cfg.cluster.listen.empty());
  BOOST_TEST(!cfg.cluster.enabled());  // single node unless --kafka
  BOOST_TEST(cfg.admin.token.empty());
  BOOST_TEST(cfg.ingest.write_keys == std::vector<std::string>{"demo-key"});
  BOOST_TEST(cfg.ingest.dedup_window.count() == 24 * 3600 * 1000);
  BOOST_TEST(cfg.ingest.max_body_bytes == 1048576u);
  BOOST_TEST(cfg.events.aliases.at("Product Viewed") == "product_view");
  BOOST_TEST(cfg.events.aliases.at("tap") == "click");
  BOOST_TEST(cfg.events.aliases.at("screen_view") == "page_view");
  BOOST_TEST(cfg.sessions.gap.count() == 30 * 60 * 1000);
  BOOST_TEST(cfg.score.model == "weighted");
  BOOST_TEST(cfg.score.weights.at("is_mobile") == 0.1);
  BOOST_TEST(cfg.score.caps.at("time_on_page") == 60);
  BOOST_TEST(cfg.tags.size() == 1u);
  BOOST_TEST_REQUIRE(cfg.segments.size() == 3u);
  BOOST_TEST(cfg.segments[0].name == "High Intent");
  BOOST_TEST(cfg.segments[2].when == "true");
}

BOOST_AUTO_TEST_CASE(placements) {
  const auto& placements = shipped().cfg.placements;
  BOOST_TEST_REQUIRE(placements.count("hero") == 1u);
  const placement& hero = placements.at("hero");
  BOOST_TEST(hero.strategy == "static");
  BOOST_TEST(hero.fallback.id == "generic");
  BOOST_TEST(hero.by_segment.at("High Intent").at(0).payload_json == R"({"banner":"Only 2 left"})");
  const placement& promo = placements.at("promo");
  BOOST_TEST(promo.strategy == "static");
  BOOST_TEST(promo.holdout == 0.1);
  BOOST_TEST_REQUIRE(promo.by_segment.at("Standard").size() == 2u);
  BOOST_TEST(promo.by_segment.at("Standard")[1].id == "free_ship");
  BOOST_TEST(promo.fallback.id == "none");
  BOOST_TEST(promo.fallback.payload_json == "{}");
}

// Rule errors point into the file, so the `when` position must be the expression's own.
BOOST_AUTO_TEST_CASE(rule_positions_point_at_the_expression) {
  std::istringstream lines(read_all(shipped_config_path()));
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const auto at = line.find("count(\"product_view\"");
    if (at == std::string::npos) continue;
    BOOST_TEST(shipped().cfg.tags.at(0).line == number);
    BOOST_TEST(shipped().cfg.tags.at(0).column == static_cast<int>(at) + 1);
    return;
  }
  BOOST_FAIL("tag rule not found in the shipped file");
}

BOOST_AUTO_TEST_CASE(mappings_equal_the_built_in_ones) {
  const auto& shipped_rules = shipped().cfg.events.mappings;
  const auto& built_in = cohort::codecs::default_mappings();
  BOOST_TEST_REQUIRE(shipped_rules.size() == built_in.size());
  for (std::size_t i = 0; i < built_in.size(); ++i) {
    const auto& a = shipped_rules[i];
    const auto& b = built_in[i];
    BOOST_TEST_CONTEXT("mapping " << b.name) {
      BOOST_TEST(a.name == b.name);
      BOOST_TEST(a.when == b.when);
      BOOST_TEST(a.user_id == b.user_id);
      BOOST_TEST(a.anonymous_id == b.anonymous_id);
      BOOST_TEST(a.type == b.type);
      BOOST_TEST(a.type_value == b.type_value);
      BOOST_TEST(a.timestamp == b.timestamp);
      BOOST_TEST((a.unit == b.unit));
      BOOST_TEST(a.session_id == b.session_id);
      BOOST_TEST(a.event_id == b.event_id);
      BOOST_TEST((a.properties == b.properties));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
