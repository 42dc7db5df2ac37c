#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "actors/logistic_model.hpp"

namespace cohort::actors {

/// score.learning (how the learned model trains and when a candidate is promoted) and
/// how many held-out examples are kept to judge it.
struct learning_params : config::learning_config {
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
  MSGPACK_DEFINE(version, weights, bias, holdout_log_loss, promoted_ms)
};

/// What of a trainer outlives a restart besides its versions and held-out examples
/// (stored one by one): the inputs it reads, which version is current and the candidate's
/// progress.
struct learned_head {
  std::vector<std::string> inputs;  ///< Input names, to tell a changed score.weights.
  std::uint64_t current = 1;        ///< The current version's number.
  std::vector<double> candidate_weights;
  double candidate_bias = 0;
  std::uint64_t since_check = 0;
  std::uint64_t next_held_out = 0;  ///< The seq the next held-out example gets.
  MSGPACK_DEFINE(inputs, current, candidate_weights, candidate_bias, since_check, next_held_out)
};

/// One example of the held-out slice as it is kept: its place in the slice's history
/// (`seq`, which numbers them for storage) and its decision (stable_hash of the id, to
/// relabel it when a reward comes late).
struct held_out_example : labeled_example {
  std::uint64_t seq = 0;
  std::uint64_t decision = 0;
  MSGPACK_DEFINE(MSGPACK_BASE(labeled_example), seq, decision)
};

/// What a trainer left in its store: versions and held-out examples oldest first, and the
/// head (none when nothing was stored).
struct learned_saved {
  std::vector<learned_version> versions;
  std::optional<learned_head> head;
  std::vector<held_out_example> held_out;
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
  /// Starts at `initial` as version `first_version` (1, or past versions a changed
  /// config left behind).
  learned_trainer(logistic_model initial, learning_params params, std::int64_t now_ms,
                  std::uint64_t first_version = 1);

  /// The trainer that `saved` describes, reading the inputs of `initial`; nullopt when
  /// it does not fit: no head, other inputs (score.weights changed), no versions, or a
  /// current version that is not among them. The held-out examples come back too, so a
  /// restarted node promotes exactly as one that kept running (cluster replicas agree).
  static std::optional<learned_trainer> restore(const logistic_model& initial,
                                                learning_params params, learned_saved saved);

  /// What restore() needs besides the versions and held-out examples.
  learned_head head() const;

  /// The held-out examples added or relabeled since mark_saved(), and the seq below which
  /// none is kept any more: what the next progress write stores and deletes.
  std::vector<held_out_example> unsaved_held_out() const;
  std::uint64_t held_out_from() const;
  /// The progress write succeeded: nothing is unsaved.
  void mark_saved() { unsaved_.clear(); }

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

  /// How many held-out examples judge the next promotion.
  std::size_t held_out_examples() const { return holdout_.size(); }

  /// Whether `decision_id` falls into the held-out slice.
  bool held_out(std::string_view decision_id) const;

private:
  logistic_model with(const learned_version& v) const;

  learning_params params_;
  logistic_model current_;
  logistic_model candidate_;
  std::vector<learned_version> versions_;
  std::size_t current_index_ = 0;
  std::deque<held_out_example> holdout_;  ///< Oldest first, consecutive seqs.
  std::uint64_t next_seq_ = 0;
  std::set<std::uint64_t> unsaved_;  ///< Seqs added or relabeled since mark_saved().
  std::uint64_t since_check_ = 0;
};

} // namespace cohort::actors
