#pragma once

#include <random>
#include <string>
#include <vector>

#include "actors/logistic_model.hpp"

namespace cohort::test {

/// The score section of SPEC section 9's example config.
inline config::score_config spec_score_config() {
  config::score_config cfg;
  cfg.weights = {{"time_on_page", 0.4}, {"cart_adds", 0.3}, {"wishlist_visits", 0.2},
                 {"is_mobile", 0.1}};
  cfg.caps = {{"time_on_page", 60}, {"cart_adds", 1}, {"wishlist_visits", 3}};
  return cfg;
}

/// A two-input logistic model (scroll_depth and click_density, both read clipped to
/// [0, 1]) with the given weights: the "truth" synthetic labels are drawn from, or a
/// learner's start.
inline actors::logistic_model two_inputs(double w0, double w1, double bias) {
  using config::feature;
  return actors::logistic_model{{{feature::scroll_depth, "scroll_depth", std::nullopt},
                                 {feature::click_density, "click_density", std::nullopt}},
                                {w0, w1},
                                bias};
}

/// `n` examples with uniform inputs in [0, 1] and labels drawn from `truth`'s p.
inline std::vector<actors::labeled_example> draw(const actors::logistic_model& truth,
                                                 std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> uniform{0.0, 1.0};
  std::vector<actors::labeled_example> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    actors::labeled_example e;
    e.x = {uniform(rng), uniform(rng)};
    e.label = uniform(rng) < truth.predict(e.x) ? 1.0 : 0.0;
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace cohort::test
