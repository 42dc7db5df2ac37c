#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "actors/logistic_model.hpp"

namespace cohort::actors {

/// score.learning: how the learned model trains and when a candidate is promoted.
struct learning_params {
  double rate = 0.05;             ///< SGD learning rate.
  double l2 = 0.0001;             ///< L2 penalty on the weights (not the bias).
  double holdout_share = 0.2;     ///< Share of decisions kept for evaluation only.
  std::uint64_t promote_every = 500;  ///< Training examples between promotion checks.
  std::size_t holdout_capacity = 10000;  ///< The last this many held-out examples count.
};

/// One promoted version of the learned model: what it computes and why it was promoted.
struct learned_version {
  std::uint64_t version = 0;
  std::vector<double> weights;
  double bias = 0;
  /// Held-out log-loss when it was promoted; NaN for version 1, the configured start,
  /// which no comparison promoted.
  double holdout_log_loss = 0;
  std::int64_t promoted_ms = 0;
};

/// The promotion rule of the learned score (issue 17), as a plain value the learner
/// owns. Each example is routed by its decision id (stable_hash): a `holdout_share`
/// slice goes to a bounded ring used only for evaluation, the rest trains a candidate by
/// SGD. Every `promote_every` training examples the candidate and the current version
/// are compared by mean log-loss on the ring; the candidate becomes a new version only
/// when strictly better, otherwise it keeps training and the current stays. An empty ring
/// compares nothing (no promotion).
class learned_trainer {
public:
  learned_trainer(logistic_model initial, learning_params params, std::int64_t now_ms);

  /// Takes one example of decision `decision_id`; true when it promoted a new version.
  bool add(std::string_view decision_id, labeled_example example, std::int64_t now_ms);

  /// Turns the 0-example of `decision_id` (its impression, taken before) into a 1 (its
  /// reward arrived later), so one decision is never counted as both: a held-out
  /// example is relabeled in the ring, a trained one gets the SGD step that the label
  /// change adds to its gradient (w += rate * x, b += rate). `x` is the example's input.
  void relabel(std::string_view decision_id, const std::vector<double>& x);

  /// Makes the version listed before the current one current (the versions stay listed;
  /// the next promotion is numbered after the newest); false, nothing changed, when the
  /// current one is the first. The candidate restarts from the restored version.
  bool rollback();

  /// The model decisions score with: the current version's weights.
  const logistic_model& current() const { return current_; }
  /// Every version, oldest first.
  const std::vector<learned_version>& versions() const { return versions_; }
  /// The current version's entry in versions().
  const learned_version& current_version() const { return versions_[current_index_]; }
  const logistic_model& candidate() const { return candidate_; }
  /// Mean log-loss of `m` on the held-out ring (NaN while it is empty).
  double holdout_log_loss(const logistic_model& m) const { return m.log_loss(holdout_); }

  /// Whether `decision_id` falls into the held-out slice.
  bool held_out(std::string_view decision_id) const;

private:
  logistic_model with(const learned_version& v) const;

  learning_params params_;
  logistic_model current_;
  logistic_model candidate_;
  std::vector<learned_version> versions_;
  std::size_t current_index_ = 0;
  std::deque<labeled_example> holdout_;
  std::deque<std::uint64_t> holdout_ids_;  ///< Decision id hashes, beside holdout_.
  std::uint64_t since_check_ = 0;
};

} // namespace cohort::actors
