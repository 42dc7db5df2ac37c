#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/decision_log.hpp"
#include "actors/feedback_record.hpp"
#include "actors/engine_model.hpp"
#include "actors/learned_trainer.hpp"
#include "actors/learner_state.hpp"

namespace cohort::actors {

/// What became of one outcome_item.
struct outcome_verdict {
  enum status_t : std::uint8_t { counted, duplicate, unknown };
  std::uint8_t status = counted;
  std::string decision_id;  ///< The decision it was credited to ("" when unknown).
  std::string reason;       ///< Why it was a duplicate or unknown.
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outcome_item& x) {
  return f(caf::meta::type_name("cohort.outcome_item"), x.decision_id, x.user_id, x.placement,
           x.outcome, x.message_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, decision_record& x) {
  return f(caf::meta::type_name("cohort.decision_record"), x.id, x.user_id, x.placement,
           x.segment, x.variant, x.holdout, x.model_kind, x.model_version, x.at_ms, x.features);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, feedback_record& x) {
  return f(caf::meta::type_name("cohort.feedback_record"), x.what, x.decision, x.request,
           x.items, x.at_ms, x.from_version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outcome_verdict& x) {
  return f(caf::meta::type_name("cohort.outcome_verdict"), x.status, x.decision_id, x.reason);
}

/// The learned score as GET /admin/api/models/score shows it, and what a rollback did.
struct learned_status {
  bool learning = false;  ///< score.model was learned when the node started.
  bool changed = false;   ///< A rollback made an older version current.
  std::string refused;    ///< Why a rollback changed nothing.
  std::vector<std::string> inputs;
  std::vector<learned_version> versions;  ///< Oldest first.
  std::uint64_t current = 0;              ///< The current version's number.
  std::vector<double> candidate_weights;
  double candidate_bias = 0;
  std::uint64_t held_out = 0;  ///< Held-out examples the losses are measured on.
  double current_loss = 0;     ///< Held-out log-loss of the current version (NaN: none).
  double candidate_loss = 0;   ///< Held-out log-loss of the candidate (NaN: none).
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, learned_version& x) {
  return f(caf::meta::type_name("cohort.learned_version"), x.version, x.weights, x.bias,
           x.holdout_log_loss, x.promoted_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, learned_status& x) {
  return f(caf::meta::type_name("cohort.learned_status"), x.learning, x.changed, x.refused,
           x.inputs,
           x.versions, x.current, x.candidate_weights, x.candidate_bias, x.held_out,
           x.current_loss, x.candidate_loss);
}

/// The learned score a learner starts with (score.model: learned), restored from its
/// store or new; and the board it publishes each durable version to.
struct learned_start {
  learned_trainer trainer;
  std::shared_ptr<learned_board> board;
  std::size_t stored_versions = 0;  ///< How many of trainer.versions() are stored.
};

/// What the learner needs besides its counts.
struct learner_env {
  std::shared_ptr<decision_log> log;
  /// Receives each committed state; holds `loaded` (the learner's start) already.
  std::shared_ptr<posterior_board> board;
  std::chrono::milliseconds attribution_window;
  std::chrono::milliseconds prune_interval;
  std::function<std::int64_t()> now_ms;  ///< The clock (tests set it).
  /// The placements (their `reward` labels the learned score's examples).
  std::shared_ptr<model_holder> model;
  /// Cluster mode: appends a feedback record's bytes to the cluster's feedback log and
  /// calls back with the broker's answer. Empty on a single node.
  std::function<void(std::string bytes, std::function<void(result<std::int64_t>)> done)>
    write_feedback{};
  std::string node_id{};             ///< Cluster mode: names this node's requests.
  feedback_position position{};      ///< Cluster mode: where the store left the log.
};

struct learner_data {
  learner_state state;
  std::shared_ptr<const posteriors> committed;  ///< What the log holds (and the board shows).
  std::optional<learned_start> learned;         ///< When score.model is learned.
  std::int64_t started_ms = 0;
  std::int64_t log_ms = 0;    ///< Cluster mode: the feedback log's clock (feedback_position).
  std::uint64_t requests = 0;
  /// Cluster mode: this node's requests waiting for their record to be applied.
  std::map<std::string, caf::response_promise> waiting;
};

/// The bandit's single writer (SPEC 5). On a single node it applies each request as it
/// comes. In a cluster (`env.write_feedback` set) it appends outcomes and rollbacks to the
/// cluster's feedback log and answers once it applied them from there; every node's
/// learner applies the whole log in order through
///  - (feedback_atom, std::vector<feedback_record>, std::int64_t next_offset) -> bool
/// (decisions are written to the store, outcomes counted at the log's clock), so all nodes
/// hold the same counts and learned score. A failure is answered and the sender applies
/// the same records again, which changes nothing twice (a counted outcome is then a
/// duplicate). Answers
///  - (outcome_atom, std::vector<outcome_item>) -> std::vector<outcome_verdict>
/// resolving each item's decision from the log, counting new outcomes into the arms and
/// writing them, what was counted and the new version in one synced write before it
/// answers; then the board shows the new posteriors. A failed write answers an error
/// (sec::runtime_error with the store's reason) and changes nothing.
/// With a learned score, every decision's first outcome trains it (label: the
/// placement's reward kind) and a later reward relabels it; after the outcomes' write the
/// trainer's progress is written (learned_commit) and a newly current version is
/// published to the board once it is durable. A failed progress write is logged and
/// retried with the next batch; the outcomes stay counted.
///  - (models_atom) -> learned_status
///  - (rollback_atom) -> learned_status: the previous version becomes current (written
///    synced, then published); `changed` is false, with the reason in `refused`, at the
///    first version (or, in a cluster, when another version became current before the
///    rollback was applied). A failed write answers an error and changes nothing.
/// Every `prune_interval` it drops decisions older than the attribution window.
/// Blocks on disk writes: spawn it detached.
caf::behavior learner_actor(caf::stateful_actor<learner_data>* self, learner_env env,
                            posteriors loaded, std::optional<learned_start> learned);

} // namespace cohort::actors
