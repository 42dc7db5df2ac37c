#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/feature_catalog.hpp"

namespace cohort::actors {

/// Feature values of one user at one moment, indexed by config::feature slots.
struct feature_values {
  std::array<double, config::feature_count> numbers{};
  std::string device;
  std::string source;

  double& operator[](config::feature f) { return numbers[static_cast<std::size_t>(f)]; }
  double operator[](config::feature f) const { return numbers[static_cast<std::size_t>(f)]; }
};

/// One factor's share of the score, so users can see why someone scored 92.
struct score_term {
  std::string feature;
  double weight = 0;
  double value = 0;         ///< The raw feature value.
  double normalized = 0;    ///< min(value / cap, 1), or value clipped to [0, 1] without a cap.
  double contribution = 0;  ///< 100 * weight * normalized / sum of weights.
};

/// The weighted model of SPEC 3:
/// score = 100 * sum(w_i * min(f_i / cap_i, 1)) / sum(w_i); contributions sum to the score.
class score_model {
public:
  /// Builds the model from config; an unknown or string-typed feature is appended to
  /// `errors` as "score.weights.<name>: ..." and the model is unusable (nullopt).
  static std::optional<score_model> from_config(const config::score_config& cfg,
                                                std::vector<std::string>& errors);

  /// The score in [0, 100] and its per-factor breakdown.
  double evaluate(const feature_values& f, std::vector<score_term>* breakdown) const;

private:
  struct factor {
    config::feature slot;
    std::string name;
    double weight;
    std::optional<double> cap;
  };
  std::vector<factor> factors_;
  double weight_sum_ = 0;
};

} // namespace cohort::actors
