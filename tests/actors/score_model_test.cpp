#include <boost/test/unit_test.hpp>

#include <numeric>

#include "actors/score_model.hpp"
#include "synthetic_examples.hpp"

using namespace cohort;
using config::feature;

namespace {

actors::score_model spec_model() {
  const auto cfg = test::spec_score_config();
  std::vector<std::string> errors;
  auto m = actors::score_model::from_config(cfg, errors);
  BOOST_REQUIRE(errors.empty());
  return *m;
}

} // namespace

BOOST_AUTO_TEST_SUITE(score_model_suite)

BOOST_AUTO_TEST_CASE(the_weighted_formula_of_the_spec) {
  actors::feature_values f;
  f[feature::time_on_page] = 30;    // 30/60 = 0.5
  f[feature::cart_adds] = 2;        // capped at 1
  f[feature::wishlist_visits] = 1;  // 1/3
  f[feature::is_mobile] = 1;
  double expected = 100 * (0.4 * 0.5 + 0.3 * 1 + 0.2 / 3 + 0.1 * 1) / 1.0;
  BOOST_TEST(spec_model().evaluate(f, nullptr) == expected, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(the_breakdown_sums_to_the_score) {
  actors::feature_values f;
  f[feature::time_on_page] = 45;
  f[feature::wishlist_visits] = 2;
  std::vector<actors::score_term> terms;
  double score = spec_model().evaluate(f, &terms);
  BOOST_REQUIRE(terms.size() == 4u);
  double sum = std::accumulate(terms.begin(), terms.end(), 0.0,
                               [](double acc, const auto& t) { return acc + t.contribution; });
  BOOST_TEST(sum == score, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_feature_without_a_cap_is_clipped_to_one) {
  config::score_config cfg;
  cfg.weights = {{"page_depth", 1.0}};
  std::vector<std::string> errors;
  auto m = actors::score_model::from_config(cfg, errors);
  actors::feature_values f;
  f[feature::page_depth] = 7;
  BOOST_TEST(m->evaluate(f, nullptr) == 100.0);
}

BOOST_AUTO_TEST_CASE(unknown_and_string_features_are_refused_by_name) {
  config::score_config cfg;
  cfg.weights = {{"tim_on_page", 1.0}, {"device", 1.0}};
  cfg.caps = {{"cart_adds", 2}};
  std::vector<std::string> errors;
  BOOST_TEST(!actors::score_model::from_config(cfg, errors));
  BOOST_REQUIRE(errors.size() == 3u);
  BOOST_TEST(errors[0] == "score.weights.device: not a numeric or boolean feature");
  BOOST_TEST(errors[1] == "score.weights.tim_on_page: unknown feature");
  BOOST_TEST(errors[2] == "score.caps.cart_adds: has no weight in score.weights");
}

BOOST_AUTO_TEST_CASE(no_weights_score_zero) {
  std::vector<std::string> errors;
  auto m = actors::score_model::from_config(config::score_config{}, errors);
  BOOST_TEST(m->evaluate(actors::feature_values{}, nullptr) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
