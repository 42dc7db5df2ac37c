#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numeric>
#include <random>

#include "actors/logistic_model.hpp"
#include "synthetic_examples.hpp"

using namespace cohort;
using config::feature;

namespace {

double sigmoid(double m) {
  return 1.0 / (1.0 + std::exp(-m));
}

} // namespace

BOOST_AUTO_TEST_SUITE(logistic_model_suite)

BOOST_AUTO_TEST_CASE(it_starts_at_the_tangent_of_the_weighted_score) {
  auto cfg = test::spec_score_config();
  std::vector<std::string> errors;
  auto learned = actors::logistic_model::from_config(cfg, errors);
  auto weighted = actors::score_model::from_config(cfg, errors);
  BOOST_REQUIRE(errors.empty());
  actors::feature_values half;  // weighted score exactly 50: 0.4 * 0.5 + 0.3 * 1
  half[feature::time_on_page] = 30;
  half[feature::cart_adds] = 1;
  BOOST_TEST(weighted->evaluate(half, nullptr) == 50.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(learned->evaluate(half, nullptr) == 50.0, boost::test_tools::tolerance(1e-9));
  actors::feature_values f;
  f[feature::time_on_page] = 45;
  f[feature::wishlist_visits] = 2;
  f[feature::is_mobile] = 1;
  const double s = weighted->evaluate(f, nullptr) / 100.0;
  BOOST_TEST(learned->evaluate(f, nullptr) == 100.0 * sigmoid(4.0 * (s - 0.5)),
             boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(the_breakdown_sums_to_the_margin) {
  std::vector<std::string> errors;
  auto m = actors::logistic_model::from_config(test::spec_score_config(), errors);
  actors::feature_values f;
  f[feature::time_on_page] = 90;  // capped at 1
  f[feature::cart_adds] = 1;
  std::vector<actors::score_term> terms;
  const double score = m->evaluate(f, &terms);
  BOOST_REQUIRE(terms.size() == 5u);
  BOOST_TEST(terms.back().feature == "bias");
  BOOST_TEST(terms.back().contribution == -2.0);
  BOOST_TEST(terms[2].feature == "time_on_page");
  BOOST_TEST(terms[2].normalized == 1.0);
  const double margin = std::accumulate(terms.begin(), terms.end(), 0.0,
                                        [](double a, const auto& t) { return a + t.contribution; });
  BOOST_TEST(score == 100.0 * sigmoid(margin), boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(config_errors_are_named_like_the_weighted_models) {
  config::score_config cfg;
  cfg.weights = {{"device", 1.0}};
  std::vector<std::string> errors;
  BOOST_TEST(!actors::logistic_model::from_config(cfg, errors));
  BOOST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0] == "score.weights.device: not a numeric or boolean feature");
}

BOOST_AUTO_TEST_CASE(inputs_are_read_from_feature_slots_like_the_weighted_model) {
  std::vector<std::string> errors;
  auto m = actors::logistic_model::from_config(test::spec_score_config(), errors);
  actors::feature_values f;
  f[feature::time_on_page] = 15;
  f[feature::cart_adds] = 3;
  f[feature::wishlist_visits] = 1;
  // Inputs in score.weights name order: cart_adds, is_mobile, time_on_page, wishlist_visits.
  auto x = m->normalize(f.numbers.data());
  BOOST_REQUIRE(x.size() == 4u);
  BOOST_TEST(x[0] == 1.0);
  BOOST_TEST(x[1] == 0.0);
  BOOST_TEST(x[2] == 0.25);
  BOOST_TEST(x[3] == 1.0 / 3.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(a_step_moves_the_prediction_towards_the_label) {
  auto m = test::two_inputs(0, 0, 0);
  actors::labeled_example positive{{1.0, 0.5}, 1.0};
  m.train(positive, 0.1, 0.0);
  BOOST_TEST(m.predict(positive.x) > 0.5);
  BOOST_TEST(m.weights()[0] == 0.05, boost::test_tools::tolerance(1e-12));  // 0.1 * 0.5 * 1
  BOOST_TEST(m.bias() == 0.05, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(training_approaches_the_true_weights_log_loss) {
  std::mt19937 rng{17};
  const auto truth = test::two_inputs(4.0, -3.0, -0.5);
  const auto train = test::draw(truth, 30000, rng);
  const auto held = test::draw(truth, 5000, rng);
  auto m = test::two_inputs(0, 0, 0);
  const double before = m.log_loss(held);
  for (const auto& e : train)
    m.train(e, 0.05, 0.0001);
  const double after = m.log_loss(held);
  const double best = truth.log_loss(held);
  BOOST_TEST_MESSAGE("held-out log-loss: start " << before << ", trained " << after
                                                 << ", true weights " << best);
  BOOST_TEST(after < before - 0.05);
  BOOST_TEST(after < best + 0.01);
  BOOST_TEST(m.weights()[0] > 2.0);
  BOOST_TEST(m.weights()[1] < -1.5);
}

BOOST_AUTO_TEST_CASE(log_loss_of_nothing_is_not_a_number_and_of_a_certain_mistake_finite) {
  auto m = test::two_inputs(100, 0, 0);
  std::vector<actors::labeled_example> none;
  BOOST_TEST(std::isnan(m.log_loss(none)));
  std::vector<actors::labeled_example> wrong{{{1.0, 0.0}, 0.0}};
  BOOST_TEST(std::isfinite(m.log_loss(wrong)));
  BOOST_TEST(m.log_loss(wrong) > 30.0);
}

BOOST_AUTO_TEST_SUITE_END()
