// Tags and segments compiled as a set: SPEC 9 example rules, evaluation order, shared
// windows and error collection across rules.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "config/loader.hpp"
#include "rule_helpers.hpp"

using namespace cohort::config;
using namespace cohort::config::test;

namespace {

rule make_rule(std::string name, std::string when, int line = 0, int column = 0) {
  return rule{std::move(name), std::move(when), line, column};
}

std::string dump(const std::vector<rule_error>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

std::shared_ptr<const rule_set> must_compile_set(const std::vector<rule>& tags,
                                                 const std::vector<rule>& segments) {
  std::vector<rule_error> errors;
  auto set = rule_set::compile(tags, segments, errors);
  BOOST_TEST_REQUIRE(bool(set), dump(errors));
  BOOST_TEST(errors.empty());
  return set;
}

/// The rules of SPEC section 9.
const std::vector<rule> spec_tags{
    make_rule("High Consideration", R"(count("product_view", "5m") >= 3 && wishlist_visits > 0)")};
const std::vector<rule> spec_segments{
    make_rule("High Intent", "score >= 85 && page_depth >= 3"),
    make_rule("Bounce Risk", "bounce_rate > 0.6"),
    make_rule("Standard", "true"),
};

} // namespace

BOOST_AUTO_TEST_SUITE(rule_set_spec_rules)

BOOST_AUTO_TEST_CASE(spec_example_compiles) {
  const auto set = must_compile_set(spec_tags, spec_segments);
  BOOST_TEST_REQUIRE(set->windows().size() == 1u);
  BOOST_TEST((set->windows()[0] == window_spec{"product_view", 300000}));
  BOOST_TEST(set->tag_names() == std::vector<std::string>{"High Consideration"});
  BOOST_TEST(set->segment_names() ==
             (std::vector<std::string>{"High Intent", "Bounce Risk", "Standard"}));
}

BOOST_AUTO_TEST_CASE(spec_tag_uses_the_window_count) {
  const auto set = must_compile_set(spec_tags, spec_segments);
  fake_input in;
  in.set_window(0, 3).set(feature::wishlist_visits, 1);
  BOOST_TEST(set->tags(in) == std::vector<std::string>{"High Consideration"});
  in.set_window(0, 2);
  BOOST_TEST(set->tags(in).empty());
}

BOOST_AUTO_TEST_CASE(segments_first_match_wins) {
  const auto set = must_compile_set(spec_tags, spec_segments);
  fake_input in;
  in.set(feature::score, 90).set(feature::page_depth, 3).set(feature::bounce_rate, 0.9);
  BOOST_TEST(set->segment(in) == "High Intent");  // Bounce Risk holds too, but comes later
  in.set(feature::page_depth, 2);
  BOOST_TEST(set->segment(in) == "Bounce Risk");
  in.set(feature::bounce_rate, 0.5);
  BOOST_TEST(set->segment(in) == "Standard");
}

BOOST_AUTO_TEST_CASE(no_matching_segment_is_default) {
  const auto set = must_compile_set({}, {make_rule("Bouncy", "drop_off_rate > 0.6")});
  fake_input in;
  BOOST_TEST(set->segment(in) == "default");
  in.set(feature::bounce_rate, 0.7);  // drop_off_rate is bounce_rate
  BOOST_TEST(set->segment(in) == "Bouncy");
  const auto empty = must_compile_set({}, {});
  BOOST_TEST(empty->segment(in) == "default");
  BOOST_TEST(empty->tags(in).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rule_set_tags)

BOOST_AUTO_TEST_CASE(tags_come_in_config_order_and_see_earlier_tags) {
  const auto set = must_compile_set(
      {
          make_rule("engaged", "score > 50"),
          make_rule("engaged_mobile", "has_tag('engaged') && is_mobile"),
          make_rule("sees_later", "has_tag('always')"),  // `always` is not produced yet
          make_rule("always", "true"),
      },
      {});
  fake_input in;
  in.set(feature::score, 60).set(feature::is_mobile, 1);
  BOOST_TEST(set->tags(in) == (std::vector<std::string>{"engaged", "engaged_mobile", "always"}));
  in.set(feature::score, 10);
  BOOST_TEST(set->tags(in) == (std::vector<std::string>{"always"}));
}

BOOST_AUTO_TEST_CASE(tag_rules_also_see_the_inputs_tags) {
  const auto set = must_compile_set(
      {make_rule("engaged_mobile", "has_tag('engaged') && is_mobile"),
       make_rule("sees_later", "has_tag('always')"), make_rule("always", "true")},
      {});
  fake_input in;
  in.set(feature::is_mobile, 1).add_tag("engaged").add_tag("always");
  BOOST_TEST(set->tags(in) == (std::vector<std::string>{"engaged_mobile", "sees_later", "always"}));
}

BOOST_AUTO_TEST_CASE(segments_read_tags_from_the_input) {
  const auto set = must_compile_set({make_rule("vip", "true")},
                                    {make_rule("VIP", "has_tag('vip')"), make_rule("Rest", "true")});
  fake_input in;
  BOOST_TEST(set->segment(in) == "Rest");
  in.add_tag("vip");
  BOOST_TEST(set->segment(in) == "VIP");
}

BOOST_AUTO_TEST_CASE(windows_are_shared_across_tags_and_segments) {
  const auto set = must_compile_set(
      {make_rule("browsing", "count('product_view', '5m') >= 3"),
       make_rule("buying", "count('add_to_cart', '1h') > 0")},
      {make_rule("Hot", "count('product_view', '300s') >= 5 && count('add_to_cart', '60m') > 1"),
       make_rule("Window shopper", "count('product_view', '1d') > 20")});
  BOOST_TEST_REQUIRE(set->windows().size() == 3u);
  BOOST_TEST((set->windows()[0] == window_spec{"product_view", 300000}));
  BOOST_TEST((set->windows()[1] == window_spec{"add_to_cart", 3600000}));
  BOOST_TEST((set->windows()[2] == window_spec{"product_view", 86400000}));
  fake_input in;
  in.set_window(0, 5).set_window(1, 2).set_window(2, 0);
  BOOST_TEST(set->tags(in) == (std::vector<std::string>{"browsing", "buying"}));
  BOOST_TEST(set->segment(in) == "Hot");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rule_set_errors)

BOOST_AUTO_TEST_CASE(every_broken_rule_is_reported) {
  std::vector<rule_error> errors{rule_error{"earlier", 1, 1, 0, "kept"}};
  const auto set = rule_set::compile(
      {make_rule("Fine", "true", 5, 11), make_rule("Broken", "score >", 6, 11)},
      {make_rule("High Intent", "score >= 85 && page_depth >= 3", 11, 31),
       make_rule("Bounce Risk", "scor > 0.6", 12, 31), make_rule("Numbers", "1 + 1", 13, 0)},
      errors);
  BOOST_TEST(!set);
  BOOST_TEST_REQUIRE(errors.size() == 4u, dump(errors));
  BOOST_TEST(errors[0].rule == "earlier");

  BOOST_TEST(errors[1].rule == "tags[1] (Broken)");
  BOOST_TEST(errors[1].line == 6);
  BOOST_TEST(errors[1].column == 8);
  BOOST_TEST(errors[1].file_column == 18);
  BOOST_TEST(errors[1].message == "unexpected end of expression");

  BOOST_TEST(errors[2].rule == "segments[1] (Bounce Risk)");
  BOOST_TEST(errors[2].line == 12);
  BOOST_TEST(errors[2].column == 1);
  BOOST_TEST(errors[2].file_column == 31);
  BOOST_TEST(errors[2].to_string() ==
             "line 12, column 31: segments[1] (Bounce Risk): unknown feature 'scor' "
             "(did you mean 'score'?)");

  BOOST_TEST(errors[3].rule == "segments[2] (Numbers)");
  BOOST_TEST(errors[3].file_column == 0);  // the file column was unknown
  BOOST_TEST(errors[3].to_string() ==
             "line 13: segments[2] (Numbers): column 1: rule must be a boolean expression, "
             "got number");
}

BOOST_AUTO_TEST_CASE(file_column_adds_the_expression_column) {
  std::vector<rule_error> errors;
  BOOST_TEST(!rule_set::compile({}, {make_rule("X", "score >= 85 && scor > 3", 4, 30)}, errors));
  BOOST_TEST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].column == 16);
  BOOST_TEST(errors[0].file_column == 45);
  BOOST_TEST(errors[0].to_string() ==
             "line 4, column 45: segments[0] (X): unknown feature 'scor' (did you mean 'score'?)");
}

BOOST_AUTO_TEST_CASE(errors_without_a_position_or_name) {
  std::vector<rule_error> errors;
  BOOST_TEST(!rule_set::compile({make_rule("", "has_tag()")}, {}, errors));
  BOOST_TEST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].to_string() == "tags[0]: column 1: has_tag() takes 1 argument, got 0");
}

BOOST_AUTO_TEST_CASE(positions_from_the_loader_point_into_the_file) {
  // Line 5 is `  - {name: Bounce Risk, when: 'bounce_rate > 0.6 && scor > 1'}`; the `when`
  // text starts after the quote at column 32, so `scor` (expression column 22) is at 53.
  const load_result loaded = load_text(
      "segments:\n"
      "  - {name: High Intent, when: 'score >= 85 && page_depth >= 3'}\n"
      "  - name: Standard\n"
      "    when: \"true\"\n"
      "  - {name: Bounce Risk, when: 'bounce_rate > 0.6 && scor > 1'}\n",
      "rules.yaml");
  BOOST_TEST_REQUIRE(loaded.cfg.segments.size() == 3u);
  const rule& bounce = loaded.cfg.segments[2];
  BOOST_TEST(bounce.line == 5);
  BOOST_TEST(bounce.column == 32);
  std::vector<rule_error> errors;
  BOOST_TEST(!rule_set::compile(loaded.cfg.tags, loaded.cfg.segments, errors));
  BOOST_TEST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].to_string() ==
             "line 5, column 53: segments[2] (Bounce Risk): unknown feature 'scor' "
             "(did you mean 'score'?)");
}

BOOST_AUTO_TEST_SUITE_END()
