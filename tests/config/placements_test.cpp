// content.placements: per-segment variants (one or a list), a required default, payloads.
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"
#include "helpers.hpp"

using namespace cohort::config;
using test::expect_error;
using test::load;

namespace {

// Two segments, so placements have names to refer to; content starts on line 4.
const std::string k_segments =
    "segments:\n"
    "  - {name: Hot, when: 'score > 80'}\n"
    "  - {name: Cold, when: 'true'}\n";

} // namespace

BOOST_AUTO_TEST_SUITE(placements)

BOOST_AUTO_TEST_CASE(single_variant_and_list) {
  const load_result r = load(k_segments +
      "content:\n"
      "  placements:\n"
      "    hero:\n"
      "      Hot: {id: a, payload: {banner: \"Only 2 left\", n: 2}}\n"
      "      Cold: [{id: b}, {id: c, payload: [1, \"two\"]}]\n"
      "      default: {id: d, payload: {}}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  const placement& hero = r.cfg.placements.at("hero");
  BOOST_TEST(hero.strategy == "static");
  BOOST_TEST(hero.holdout == 0);
  BOOST_TEST_REQUIRE(hero.by_segment.at("Hot").size() == 1u);
  BOOST_TEST(hero.by_segment.at("Hot")[0].id == "a");
  BOOST_TEST(hero.by_segment.at("Hot")[0].payload_json == R"({"banner":"Only 2 left","n":2})");
  BOOST_TEST_REQUIRE(hero.by_segment.at("Cold").size() == 2u);
  BOOST_TEST(hero.by_segment.at("Cold")[0].payload_json == "{}");  // omitted payload
  BOOST_TEST(hero.by_segment.at("Cold")[1].payload_json == R"([1,"two"])");
  BOOST_TEST(hero.fallback.id == "d");
}

BOOST_AUTO_TEST_CASE(strategy_and_holdout) {
  const load_result r = load(k_segments +
      "content:\n"
      "  placements:\n"
      "    promo: {strategy: thompson, holdout: 0.25, default: {id: none}}\n"
      "    edge: {holdout: 1, default: {id: none}}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.placements.at("promo").strategy == "thompson");
  BOOST_TEST(r.cfg.placements.at("promo").holdout == 0.25);
  BOOST_TEST(r.cfg.placements.at("edge").holdout == 1);
  BOOST_TEST(r.cfg.placements.at("promo").reward == "conversion");  // the default
}

BOOST_AUTO_TEST_CASE(reward_and_attribution_window) {
  const load_result r = load(k_segments +
      "outcomes: {attribution_window: 2h, prune_interval: 10s}\n"
      "content:\n"
      "  placements:\n"
      "    promo: {strategy: thompson, reward: click, default: {id: none}}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.placements.at("promo").reward == "click");
  BOOST_TEST(r.cfg.outcomes.attribution_window.count() == 2 * 3600 * 1000);
  BOOST_TEST(r.cfg.outcomes.prune_interval.count() == 10 * 1000);
  const load_result bad = load(k_segments +
      "outcomes: {attribution_window: soon, retention: 1h}\n"  // 4
      "content:\n"
      "  placements:\n"
      "    promo: {reward: purchase, default: {id: none}}\n");  // 7
  expect_error(bad, "outcomes.attribution_window", 4, 32, "");
  expect_error(bad, "outcomes.retention", 4, 38, "unknown key 'retention'");
  expect_error(bad, "content.placements.promo.reward", 7, 21, "expected one of conversion | click");
}

BOOST_AUTO_TEST_CASE(payloads_are_escaped_json) {
  const load_result r = load(k_segments +
      "content:\n"
      "  placements:\n"
      "    p:\n"
      "      default:\n"
      "        id: x\n"
      "        payload:\n"
      "          html: \"<b>\\\"quoted\\\"</b>\\n\\ttab \\\\ back\"\n"
      "          on: true\n"
      "          price: 9.50\n"
      "          code: '007'\n"
      "          none: ~\n"
      "          text: |\n"
      "            two\n"
      "            lines\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.placements.at("p").fallback.payload_json ==
             R"({"html":"<b>\"quoted\"</b>\n\ttab \\ back","on":true,"price":9.50,)"
             R"("code":"007","none":null,"text":"two\nlines\n"})");
}

BOOST_AUTO_TEST_CASE(scalar_payload) {
  const load_result r = load("content: {placements: {p: {default: {id: x, payload: hello}}}}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.placements.at("p").fallback.payload_json == R"("hello")");
}

BOOST_AUTO_TEST_CASE(placement_errors) {
  const load_result r = load(k_segments +
      "content:\n"                                          // 4
      "  placements:\n"                                     // 5
      "    hero:\n"                                         // 6
      "      Hott: {id: a}\n"                               // 7
      "      strategy: greedy\n"                            // 8
      "      holdout: 1.5\n"                                // 9
      "      Cold: []\n"                                    // 10
      "    promo:\n"                                        // 11
      "      Hot: [{id: a}, {id: a}]\n"                     // 12
      "      Cold: {payload: {}}\n"                         // 13
      "      default: [{id: x}]\n"                          // 14
      "    bare:\n"                                         // 15
      "    side:\n"                                         // 16
      "      default: {id: s, payload: {a: 1, a: 2}, size: 3}\n");  // 17
  expect_error(r, "content.placements.hero.Hott", 7, 7, "unknown segment 'Hott' (placement keys are strategy, holdout, reward, default and segment names: Hot, Cold)");
  expect_error(r, "content.placements.hero.strategy", 8, 17, "expected one of static | thompson");
  expect_error(r, "content.placements.hero.holdout", 9, 16, "between 0 and 1");
  expect_error(r, "content.placements.hero.Cold", 10, 7, "non-empty list");
  expect_error(r, "content.placements.hero.default", 6, 5, "missing required key 'default'");
  expect_error(r, "content.placements.promo.Hot[1]", 12, 22, "duplicate variant id 'a' (first at line 12)");
  expect_error(r, "content.placements.promo.Cold.id", 13, 7, "missing required key 'id'");
  expect_error(r, "content.placements.promo.default", 14, 7, "expected a variant {id, payload}, got a list");
  expect_error(r, "content.placements.bare", 15, 5, "expected a placement");
  expect_error(r, "content.placements.side.default.payload", 17, 40, "duplicate key 'a'");
  expect_error(r, "content.placements.side.default.size", 17, 47, "unknown key 'size' (expected one of: id, payload)");
  BOOST_TEST(r.errors.size() == 11u, test::dump(r));
}

BOOST_AUTO_TEST_CASE(no_segments_defined) {
  expect_error(load("content:\n  placements:\n    p: {X: {id: a}, default: {id: b}}\n"),
               "content.placements.p.X", 3, 9, "no segments are defined");
}

BOOST_AUTO_TEST_SUITE_END()
