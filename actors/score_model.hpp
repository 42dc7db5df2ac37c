#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "actors/shared_board.hpp"
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
///
/// weighted: `contribution` is in score points, 100 * weight * normalized / sum of
/// weights, and the terms sum to the score.
/// tree: one term per model feature (weight 0, normalized 0: trees have neither) plus a
/// last term "bias" (value 0); `contribution` is in margin (log-odds) units, the path
/// attribution XGBoost reports with pred_contribs + approx_contribs, and the terms sum
/// to the margin m, with score = 100 / (1 + exp(-m)).
struct score_term {
  std::string feature;
  double weight = 0;
  double value = 0;         ///< The raw feature value.
  double normalized = 0;    ///< min(value / cap, 1), or value clipped to [0, 1] without a cap.
  double contribution = 0;  ///< See above: score points (weighted) or margin (tree).
};

/// A feature value on the weighted model's [0, 1] scale: min(value / cap, 1), or value
/// clipped to [0, 1] without a cap; 0 when that is not a number (a zero cap of a zero
/// value). Shared by the weighted and the learned model so both read features alike.
double normalized_value(double value, const std::optional<double>& cap);

/// One factor of score.weights: the feature slot it reads, its weight and its cap.
struct score_factor {
  config::feature slot;
  std::string name;
  double weight;
  std::optional<double> cap;
};

/// The factors of score.weights and score.caps, shared by the weighted and the learned
/// model. An unknown or string-typed feature, or a cap without a weight, is appended to
/// `errors` as "score.weights.<name>: ..." / "score.caps.<name>: ..." (then nullopt).
std::optional<std::vector<score_factor>> score_factors(const config::score_config& cfg,
                                                       std::vector<std::string>& errors);

struct learned_score;

/// The score models of SPEC 3.
/// weighted: score = 100 * sum(w_i * min(f_i / cap_i, 1)) / sum(w_i).
/// tree: score = 100 * sigmoid(logit(base_score) + sum of the trees' leaf values), an
/// XGBoost binary:logistic ensemble (config::tree_ensemble) evaluated natively.
/// learned: score = 100 * sigmoid(w . x + b), the version of a logistic regression over
/// score.weights' features that the learner last promoted (logistic_model, issue 17).
class score_model {
public:
  /// Builds the model from config; an unknown or string-typed feature is appended to
  /// `errors` as "score.weights.<name>: ..." and the model is unusable (nullopt). A tree
  /// config must carry its loaded ensemble (config::score_config::tree). A learned model
  /// reads `learned`, the board its learner publishes to; without one it gets a new board
  /// holding version 1, the configured start (logistic_model::from_config).
  static std::optional<score_model>
  from_config(const config::score_config& cfg, std::vector<std::string>& errors,
              std::shared_ptr<shared_board<learned_score>> learned = nullptr);

  /// The score in [0, 100] and its per-factor breakdown. Allocates nothing when
  /// `breakdown` is null (the per-event path).
  double evaluate(const feature_values& f, std::vector<score_term>* breakdown) const;

  /// "weighted", "tree" or "learned", as decisions report it.
  const std::string& kind() const { return kind_; }

  /// The version decisions and profiles report: the learned model's current version, or
  /// `engine_version` (the rules' and config's) for the other kinds.
  std::uint64_t version(std::uint64_t engine_version) const;

  /// The learned model's board (null for the other kinds): the learner publishes to it.
  const std::shared_ptr<shared_board<learned_score>>& learned() const { return learned_; }

private:
  double evaluate_tree(const feature_values& f, std::vector<score_term>* breakdown) const;

  std::string kind_ = "weighted";
  std::vector<score_factor> factors_;
  double weight_sum_ = 0;
  std::shared_ptr<const config::tree_ensemble> tree_;
  std::shared_ptr<shared_board<learned_score>> learned_;
};

} // namespace cohort::actors
