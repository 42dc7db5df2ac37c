// The rule expression language: tokens, precedence, types, functions and error columns.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "rule_helpers.hpp"

using namespace cohort::config;
using namespace cohort::config::test;

namespace {

bool holds(const std::string& text, const eval_input& in) {
  const auto compiled = must_compile(text);
  BOOST_TEST_REQUIRE((compiled->type() == value_type::boolean), "'" << text << "' is not boolean");
  return compiled->holds(in);
}

bool holds(const std::string& text) { return holds(text, fake_input{}); }

double number_of(const std::string& text, const eval_input& in = fake_input{}) {
  const auto compiled = must_compile(text);
  BOOST_TEST_REQUIRE((compiled->type() == value_type::number), "'" << text << "' is not a number");
  return compiled->number(in);
}

std::string text_of(const std::string& text, const eval_input& in = fake_input{}) {
  const auto compiled = must_compile(text);
  BOOST_TEST_REQUIRE((compiled->type() == value_type::string), "'" << text << "' is not a string");
  return std::string(compiled->text(in));
}

} // namespace

BOOST_AUTO_TEST_SUITE(expression_precedence)

BOOST_AUTO_TEST_CASE(multiplication_binds_tighter_than_addition) {
  BOOST_TEST(holds("1 + 2 * 3 == 7"));
  BOOST_TEST(number_of("1 + 2 * 3") == 7);
  BOOST_TEST(number_of("2 * 3 + 1") == 7);
  BOOST_TEST(number_of("10 - 6 / 2") == 7);
}

BOOST_AUTO_TEST_CASE(parentheses_override_precedence) {
  BOOST_TEST(number_of("(1 + 2) * 3") == 9);
  BOOST_TEST(holds("(1 + 2) * 3 == 9"));
  BOOST_TEST(number_of("((((2))))") == 2);
  BOOST_TEST(!holds("!(true && false || true)"));
}

BOOST_AUTO_TEST_CASE(operators_are_left_associative) {
  BOOST_TEST(number_of("2 - 1 - 1") == 0);
  BOOST_TEST(number_of("8 / 4 / 2") == 1);
  BOOST_TEST(number_of("8 - 2 + 1") == 7);
}

BOOST_AUTO_TEST_CASE(not_binds_tighter_than_and_which_binds_tighter_than_or) {
  // ((!a) && b) || c — the only grouping under which this is true.
  BOOST_TEST(holds("!true && true || true"));
  // a || (b && c), not (a || b) && c.
  BOOST_TEST(holds("true || true && false"));
  BOOST_TEST(!holds("false && true || false"));
}

BOOST_AUTO_TEST_CASE(comparison_binds_tighter_than_equality) {
  BOOST_TEST(holds("1 < 2 == true"));
  BOOST_TEST(holds("2 > 1 != 1 > 2"));
  BOOST_TEST(holds("1 + 1 < 3 && 2 * 2 >= 4"));
}

BOOST_AUTO_TEST_CASE(unary_minus_and_not) {
  BOOST_TEST(number_of("-2 * 3") == -6);
  BOOST_TEST(number_of("- -2") == 2);
  BOOST_TEST(number_of("-(1 + 2)") == -3);
  BOOST_TEST(number_of("3 - -1") == 4);
  BOOST_TEST(holds("!!true"));
  BOOST_TEST(holds("!(1 > 2)"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(expression_operators)

BOOST_AUTO_TEST_CASE(every_operator) {
  const std::vector<std::pair<std::string, bool>> cases{
      {"3 == 3", true},       {"3 == 4", false},       {"3 != 4", true},
      {"3 != 3", false},      {"2 < 3", true},         {"3 < 3", false},
      {"3 <= 3", true},       {"4 <= 3", false},       {"4 > 3", true},
      {"3 > 3", false},       {"3 >= 3", true},        {"2 >= 3", false},
      {"true && true", true}, {"true && false", false}, {"false || true", true},
      {"false || false", false}, {"!false", true},     {"!true", false},
      {"2 + 3 == 5", true},   {"2 - 3 == -1", true},   {"2 * 3 == 6", true},
      {"3 / 2 == 1.5", true}, {"-(2) == 0 - 2", true},
  };
  for (const auto& [text, expected] : cases) {
    BOOST_TEST(holds(text) == expected, text);
  }
}

BOOST_AUTO_TEST_CASE(decimal_numbers) {
  BOOST_TEST(number_of("0.25 + .5 + 1.") == 1.75);
  BOOST_TEST(number_of("007") == 7);
}

BOOST_AUTO_TEST_CASE(division_by_zero_yields_zero) {
  BOOST_TEST(number_of("7 / 0") == 0);
  BOOST_TEST(number_of("0 / 0") == 0);
  fake_input in;
  in.set(feature::cart_adds, 2);
  BOOST_TEST(!holds("cart_adds / product_views > 0.5", in));
  in.set(feature::product_views, 3);
  BOOST_TEST(holds("cart_adds / product_views > 0.5", in));
}

BOOST_AUTO_TEST_CASE(string_literals_and_escapes) {
  BOOST_TEST(holds("\"abc\" == 'abc'"));
  BOOST_TEST(holds("'abc' != 'abd'"));
  BOOST_TEST(holds("'' == \"\""));
  BOOST_TEST(text_of(R"("a\"b")") == "a\"b");
  BOOST_TEST(text_of(R"('it\'s')") == "it's");
  BOOST_TEST(text_of(R"('say "hi"')") == "say \"hi\"");
  BOOST_TEST(text_of(R"("tab\there\n\\")") == "tab\there\n\\");
  BOOST_TEST(text_of("'caf\xC3\xA9'") == "caf\xC3\xA9");
}

BOOST_AUTO_TEST_CASE(string_features_compare_with_literals) {
  fake_input in;
  in.set_text(feature::device, "mobile").set_text(feature::source, "google");
  BOOST_TEST(holds("device == \"mobile\"", in));
  BOOST_TEST(holds("source != 'newsletter'", in));
  BOOST_TEST(!holds("device == source", in));
  BOOST_TEST(text_of("device", in) == "mobile");
}

BOOST_AUTO_TEST_CASE(booleans) {
  fake_input in;
  BOOST_TEST(!holds("is_mobile", in));
  BOOST_TEST(holds("!is_mobile", in));
  BOOST_TEST(holds("is_mobile == false", in));
  in.set(feature::is_mobile, 1);
  BOOST_TEST(holds("is_mobile", in));
  BOOST_TEST(holds("is_mobile == true", in));
  BOOST_TEST(holds("is_mobile != false", in));
  BOOST_TEST(holds("is_mobile == (1 < 2)", in));
  BOOST_TEST(holds("true"));
  BOOST_TEST(!holds("false"));
}

BOOST_AUTO_TEST_CASE(number_features_by_slot) {
  fake_input in;
  in.set(feature::score, 90).set(feature::page_depth, 3);
  BOOST_TEST(holds("score >= 85 && page_depth >= 3", in));
  in.set(feature::page_depth, 2);
  BOOST_TEST(!holds("score >= 85 && page_depth >= 3", in));
  BOOST_TEST(number_of("score / 2 + page_depth", in) == 47);
}

BOOST_AUTO_TEST_CASE(drop_off_rate_is_bounce_rate) {
  fake_input in;
  in.set(feature::bounce_rate, 0.7);
  BOOST_TEST(holds("drop_off_rate > 0.6", in));
  BOOST_TEST(holds("drop_off_rate == bounce_rate", in));
}

BOOST_AUTO_TEST_CASE(whitespace_is_free) {
  BOOST_TEST(holds("1+2*3==7"));
  BOOST_TEST(holds("\t1 +\n 2 * 3\r\n == 7  "));
}

BOOST_AUTO_TEST_CASE(and_or_short_circuit) {
  fake_input in;
  BOOST_TEST(!holds("false && has_tag('x')", in));
  BOOST_TEST(holds("true || has_tag('x')", in));
  BOOST_TEST(in.tag_queries == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(expression_functions)

BOOST_AUTO_TEST_CASE(count_registers_a_window_and_reads_it_by_index) {
  std::vector<window_spec> windows{{"add_to_cart", 60000}};
  const auto compiled = must_compile("count(\"product_view\", \"5m\") >= 3", windows);
  BOOST_TEST_REQUIRE(windows.size() == 2u);
  BOOST_TEST(windows[1].type == "product_view");
  BOOST_TEST(windows[1].span_ms == 300000);
  fake_input in;
  in.set_window(0, 100).set_window(1, 2);
  BOOST_TEST(!compiled->holds(in));
  in.set_window(1, 3);
  BOOST_TEST(compiled->holds(in));
}

BOOST_AUTO_TEST_CASE(equal_windows_are_shared) {
  std::vector<window_spec> windows;
  const auto a = must_compile("count('product_view', '5m') + count(\"product_view\", \"300s\")",
                              windows);
  const auto b = must_compile("count('add_to_cart', '1h') > count('product_view', '5m')", windows);
  BOOST_TEST_REQUIRE(windows.size() == 2u);
  BOOST_TEST((windows[0] == window_spec{"product_view", 300000}));
  BOOST_TEST((windows[1] == window_spec{"add_to_cart", 3600000}));
  fake_input in;
  in.set_window(0, 4).set_window(1, 5);
  BOOST_TEST(a->number(in) == 8);
  BOOST_TEST(b->holds(in));
}

BOOST_AUTO_TEST_CASE(a_failed_rule_leaves_no_window_behind) {
  std::vector<window_spec> windows{{"purchase", 1000}};
  expression_error error;
  BOOST_TEST(!compile_rule("count('product_view', '5m') > scor", windows, error));
  BOOST_TEST(!compile_rule("count('product_view', '5m')", windows, error));
  BOOST_TEST(windows.size() == 1u);
}

BOOST_AUTO_TEST_CASE(has_tag_asks_the_input) {
  fake_input in;
  in.add_tag("vip");
  BOOST_TEST(holds("has_tag(\"vip\")", in));
  BOOST_TEST(!holds("has_tag('new')", in));
  BOOST_TEST(holds("has_tag('vip') && !has_tag('new')", in));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(expression_errors)

BOOST_AUTO_TEST_CASE(type_errors_point_at_the_operator) {
  expect_rule_error("score + \"x\" > 1", 7, "operator '+' needs numbers, got string");
  expect_rule_error("device < \"m\"", 8, "operator '<' needs numbers, got string");
  expect_rule_error("is_mobile + 1 > 0", 11, "operator '+' needs numbers, got boolean");
  expect_rule_error("1 < 2 < 3", 7, "operator '<' needs numbers, got boolean");
  expect_rule_error("score == 'high'", 7,
                    "operator '==' compares values of the same type, got number and string");
  expect_rule_error("is_mobile != 1", 11,
                    "operator '!=' compares values of the same type, got boolean and number");
  expect_rule_error("score > 1 && page_depth", 11, "operator '&&' needs booleans, got number");
  expect_rule_error("page_depth || true", 12, "operator '||' needs booleans, got number");
  expect_rule_error("!score", 1, "operator '!' needs a boolean, got number");
  expect_rule_error("true && -is_mobile", 9, "operator '-' needs a number, got boolean");
}

BOOST_AUTO_TEST_CASE(a_rule_must_be_boolean) {
  expect_rule_error("score", 1, "rule must be a boolean expression, got number");
  expect_rule_error("1 + 2", 1, "rule must be a boolean expression, got number");
  expect_rule_error("device", 1, "rule must be a boolean expression, got string");
  expect_rule_error("count('click', '1m')", 1, "rule must be a boolean expression, got number");
}

BOOST_AUTO_TEST_CASE(unknown_features_suggest_a_near_name) {
  expect_rule_error("score >= 85 && scor > 3", 16, "unknown feature 'scor' (did you mean 'score'?)");
  expect_rule_error("wishlist_visit > 0", 1,
                    "unknown feature 'wishlist_visit' (did you mean 'wishlist_visits'?)");
  expect_rule_error("zzzzzz > 1", 1, "unknown feature 'zzzzzz'");
  expect_rule_error("is_mobile == True", 14, "unknown feature 'True' (did you mean 'true'?)");
  expect_rule_error("count > 1", 1, "'count' is a function; call it as count(...)");
}

BOOST_AUTO_TEST_CASE(function_errors) {
  expect_rule_error("cnt('a', '5m') > 1", 1, "unknown function 'cnt' (did you mean 'count'?)");
  expect_rule_error("1 < frobnicate()", 5, "unknown function 'frobnicate'");
  expect_rule_error("score(1) > 1", 1, "unknown function 'score' ('score' is a feature)");
  expect_rule_error("count('a') > 1", 1, "count() takes 2 arguments, got 1");
  expect_rule_error("1 < count('a', '5m', 'x')", 5, "count() takes 2 arguments, got 3");
  expect_rule_error("has_tag()", 1, "has_tag() takes 1 argument, got 0");
  expect_rule_error("has_tag('a', 'b')", 1, "has_tag() takes 1 argument, got 2");
  expect_rule_error("count(device, '5m') > 1", 7, "count() argument 1 must be a string literal");
  expect_rule_error("count('a', 5) > 1", 12, "count() argument 2 must be a string literal");
  expect_rule_error("has_tag(source)", 9, "has_tag() argument 1 must be a string literal");
  expect_rule_error("count('', '5m') > 1", 7, "count() needs an event type");
  expect_rule_error("count('a', '0s') > 1", 12, "count() window must be longer than 0");
  expect_rule_error("count('a' '5m') > 1", 11, "expected ',' or ')', got '5m'");
  const auto e = rule_error_of("count(\"product_view\", \"5x\") >= 3");
  BOOST_TEST(e.column == 23);
  BOOST_TEST(e.message.find("bad duration '5x'") == 0u, e.message);
}

BOOST_AUTO_TEST_CASE(syntax_errors) {
  expect_rule_error("(score > 1", 11, "expected ')'");
  expect_rule_error("(score > 1 true", 12, "expected ')', got 'true'");
  expect_rule_error("score >", 8, "unexpected end of expression");
  expect_rule_error("", 1, "unexpected end of expression");
  expect_rule_error("   ", 4, "unexpected end of expression");
  expect_rule_error("score > )", 9, "unexpected ')'");
  expect_rule_error("score > ,", 9, "unexpected ','");
  expect_rule_error("score 3", 7, "expected an operator, got '3'");
  expect_rule_error("true)", 5, "expected an operator, got ')'");
}

BOOST_AUTO_TEST_CASE(token_errors) {
  expect_rule_error("score $ 3", 7, "unexpected character '$'");
  expect_rule_error("score = 3", 7, "unexpected character '=' (did you mean '=='?)");
  expect_rule_error("true & false", 6, "unexpected character '&' (did you mean '&&'?)");
  expect_rule_error("true | false", 6, "unexpected character '|' (did you mean '||'?)");
  expect_rule_error("score > 1 && \"abc", 14, "unterminated string");
  expect_rule_error("'abc\\", 1, "unterminated string");
  expect_rule_error("'a\\qb' == 'x'", 3, "unknown escape '\\q' in string");
  expect_rule_error("5x > 1", 1, "bad number '5x'");
  expect_rule_error("score > 1.2.3", 9, "bad number '1.2.3'");
  expect_rule_error("score \xE2\x82\xAC 3", 7, "unexpected character '\xE2\x82\xAC'");
}

BOOST_AUTO_TEST_CASE(columns_count_characters_not_bytes) {
  // "é" is two bytes; the column of `scor` is 15 in characters (17 in bytes).
  expect_rule_error("\"\xC3\xA9\" == \"\xC3\xA9\" && scor", 15,
                    "unknown feature 'scor' (did you mean 'score'?)");
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_an_error_not_a_crash) {
  const std::string parens = std::string(5000, '(') + "true" + std::string(5000, ')');
  BOOST_TEST(rule_error_of(parens).message == "expression is nested too deeply");
  BOOST_TEST(rule_error_of(std::string(5000, '!') + "true").message ==
             "expression is nested too deeply");
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  BOOST_TEST(rule_error_of(chain + " > 0").message == "expression is nested too deeply");
  // Realistic rules are far below the bound.
  std::string wide = "score > 0";
  for (int i = 0; i < 40; ++i) wide += " || score > " + std::to_string(i);
  BOOST_TEST(holds(wide, fake_input{}.set(feature::score, 1)));
}

BOOST_AUTO_TEST_SUITE_END()
