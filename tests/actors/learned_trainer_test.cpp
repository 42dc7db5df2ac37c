#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <string>

#include "actors/learned_trainer.hpp"
#include "synthetic_examples.hpp"

using namespace cohort;

namespace {

actors::learning_params params(std::uint64_t promote_every = 500) {
  actors::learning_params p;
  p.promote_every = promote_every;
  return p;
}

/// Feeds `n` examples drawn from `truth` as decisions d<from>..; trained (not held-out)
/// ones get the opposite label when `invert_training`. Returns how many promoted.
int feed(actors::learned_trainer& t, const actors::logistic_model& truth, std::size_t n,
         std::mt19937& rng, bool invert_training = false, std::size_t from = 0) {
  int promotions = 0;
  auto examples = test::draw(truth, n, rng);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = "d" + std::to_string(from + i);
    auto e = examples[i];
    if (invert_training && !t.held_out(id))
      e.label = 1.0 - e.label;
    promotions += t.add(id, e, 1000 + static_cast<std::int64_t>(i)) ? 1 : 0;
  }
  return promotions;
}

} // namespace

BOOST_AUTO_TEST_SUITE(learned_trainer_suite)

BOOST_AUTO_TEST_CASE(version_one_is_the_configured_start) {
  actors::learned_trainer t{test::two_inputs(1, 2, -1), params(), 42};
  BOOST_REQUIRE(t.versions().size() == 1u);
  BOOST_TEST(t.current_version().version == 1u);
  BOOST_TEST(t.current_version().promoted_ms == 42);
  BOOST_TEST(std::isnan(t.current_version().holdout_log_loss));
  BOOST_TEST(t.current().weights() == (std::vector<double>{1, 2}));
}

BOOST_AUTO_TEST_CASE(the_holdout_slice_is_its_share_of_decisions_and_stable) {
  actors::learned_trainer t{test::two_inputs(0, 0, 0), params(), 0};
  int held = 0;
  for (int i = 0; i < 20000; ++i)
    held += t.held_out("decision-" + std::to_string(i)) ? 1 : 0;
  BOOST_TEST(held > 3600);
  BOOST_TEST(held < 4400);
  actors::learned_trainer again{test::two_inputs(0, 0, 0), params(), 0};
  BOOST_TEST(again.held_out("decision-7") == t.held_out("decision-7"));
}

BOOST_AUTO_TEST_CASE(a_better_candidate_is_promoted_with_its_held_out_log_loss) {
  std::mt19937 rng{5};
  const auto truth = test::two_inputs(4.0, -3.0, -0.5);
  actors::learned_trainer t{test::two_inputs(0, 0, 0), params(), 0};
  const int promotions = feed(t, truth, 10000, rng);
  BOOST_TEST(promotions >= 1);
  BOOST_TEST(t.versions().size() == static_cast<std::size_t>(promotions) + 1);
  const auto& v = t.current_version();
  BOOST_TEST(v.version == t.versions().back().version);
  BOOST_TEST(v.version == static_cast<std::uint64_t>(promotions) + 1);
  const auto initial = test::two_inputs(0, 0, 0);
  BOOST_TEST(t.holdout_log_loss(t.current()) < t.holdout_log_loss(initial) - 0.05);
  BOOST_TEST(v.holdout_log_loss < std::log(2.0));
  BOOST_TEST(t.current().weights() == v.weights);
}

BOOST_AUTO_TEST_CASE(a_worse_candidate_is_not_promoted) {
  std::mt19937 rng{6};
  const auto truth = test::two_inputs(4.0, -3.0, -0.5);
  // The current version already is the truth; training labels are inverted, so the
  // candidate only gets worse on the (truthfully labeled) held-out slice.
  actors::learned_trainer t{truth, params(), 0};
  BOOST_TEST(feed(t, truth, 10000, rng, true) == 0);
  BOOST_TEST(t.versions().size() == 1u);
  BOOST_TEST(t.current().weights() == truth.weights());
  BOOST_TEST(t.holdout_log_loss(t.candidate()) > t.holdout_log_loss(t.current()));
}

BOOST_AUTO_TEST_CASE(nothing_is_promoted_without_held_out_examples) {
  std::mt19937 rng{7};
  auto p = params(100);
  p.holdout_share = 0;
  actors::learned_trainer t{test::two_inputs(0, 0, 0), p, 0};
  BOOST_TEST(feed(t, test::two_inputs(4.0, -3.0, -0.5), 2000, rng) == 0);
  BOOST_TEST(t.versions().size() == 1u);
}

BOOST_AUTO_TEST_CASE(rollback_returns_to_the_previous_version_and_numbers_on) {
  std::mt19937 rng{8};
  const auto truth = test::two_inputs(4.0, -3.0, -0.5);
  actors::learned_trainer t{test::two_inputs(0, 0, 0), params(), 0};
  BOOST_REQUIRE(feed(t, truth, 10000, rng) >= 1);
  const auto newest = t.current_version().version;
  const auto previous = t.versions()[t.versions().size() - 2];
  BOOST_TEST(t.rollback());
  BOOST_TEST(t.current_version().version == previous.version);
  BOOST_TEST(t.current().weights() == previous.weights);
  BOOST_TEST(t.current().bias() == previous.bias);
  while (t.rollback()) {
  }
  BOOST_TEST(t.current_version().version == 1u);
  BOOST_TEST(!t.rollback());
  // The next promotion is numbered after the newest ever, not after the restored one.
  BOOST_REQUIRE(feed(t, truth, 10000, rng, false, 10000) >= 1);
  BOOST_TEST(t.current_version().version > newest);
}

BOOST_AUTO_TEST_CASE(a_late_reward_relabels_instead_of_adding_a_second_example) {
  auto p = params();
  p.holdout_share = 0.5;
  actors::learned_trainer t{test::two_inputs(0, 0, 0), p, 0};
  std::string held_id, trained_id;
  for (int i = 0; held_id.empty() || trained_id.empty(); ++i) {
    auto id = "d" + std::to_string(i);
    (t.held_out(id) ? held_id : trained_id) = id;
  }
  const std::vector<double> x{1.0, 0.0};
  t.add(held_id, {x, 0.0}, 0);
  const double before = t.holdout_log_loss(test::two_inputs(5, 0, 0));
  t.relabel(held_id, x);
  BOOST_TEST(t.holdout_log_loss(test::two_inputs(5, 0, 0)) < before);  // now a 1 there

  t.add(trained_id, {x, 0.0}, 0);  // p was 0.5: w0 and b go down by 0.05 * 0.5
  t.relabel(trained_id, x);        // and up by 0.05
  BOOST_TEST(t.candidate().weights()[0] == 0.025, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(t.candidate().weights()[1] == 0.0);  // its input was 0
  BOOST_TEST(t.candidate().bias() == 0.025, boost::test_tools::tolerance(1e-12));
}

// A restart restores the versions, which one is current, the candidate's progress and the
// held-out examples (so it promotes as before); versions learned over other inputs
// (score.weights changed) are not restored.
BOOST_AUTO_TEST_CASE(restore_takes_back_what_head_and_versions_describe) {
  std::mt19937 rng{5};
  const auto truth = test::two_inputs(4, -3, -0.5);
  actors::learned_trainer t{test::two_inputs(0, 0, 0), params(100), 0};
  feed(t, truth, 2000, rng);
  BOOST_TEST_REQUIRE(t.versions().size() > 2u);
  BOOST_TEST_REQUIRE(t.rollback());
  // What the store holds: every held-out example the trainer ever reported unsaved.
  const auto saved = [&t](actors::learned_head head) {
    return actors::learned_saved{t.versions(), head, t.unsaved_held_out()};
  };
  auto back = actors::learned_trainer::restore(test::two_inputs(0, 0, 0), params(100),
                                               saved(t.head()));
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST(back->current_version().version == t.current_version().version);
  BOOST_TEST(back->current().weights() == t.current().weights(), boost::test_tools::per_element());
  BOOST_TEST(back->candidate().weights() == t.candidate().weights(),
             boost::test_tools::per_element());
  BOOST_TEST(back->head().since_check == t.head().since_check);
  BOOST_TEST(back->held_out_examples() == t.held_out_examples());
  BOOST_TEST(back->holdout_log_loss(truth) == t.holdout_log_loss(truth));
  // Both go on alike: the same examples promote the same versions.
  std::mt19937 again_a{9}, again_b{9};
  feed(t, truth, 500, again_a, false, 5000);
  feed(*back, truth, 500, again_b, false, 5000);
  BOOST_TEST(back->current_version().version == t.current_version().version);
  BOOST_TEST(back->current().weights() == t.current().weights(), boost::test_tools::per_element());

  using config::feature;
  const actors::logistic_model other{{{feature::cart_adds, "cart_adds", 3.0},
                                      {feature::click_density, "click_density", std::nullopt}},
                                     {0, 0}, 0};
  BOOST_TEST(!actors::learned_trainer::restore(other, params(), saved(t.head())));
  auto head = t.head();
  head.current = 999;  // not among the versions
  BOOST_TEST(!actors::learned_trainer::restore(test::two_inputs(0, 0, 0), params(), saved(head)));
}

BOOST_AUTO_TEST_SUITE_END()
