#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/decision_record.hpp"
#include "actors/feedback_record.hpp"
#include "actors/learned_trainer.hpp"
#include "actors/learner_state.hpp"
#include "codecs/result.hpp"

namespace cohort::actors {

/// What is already counted for one decision: the outcome kinds (outcome_kind bits) and
/// the messageIds that named it.
struct decision_outcomes {
  std::uint8_t counted = 0;
  std::vector<std::string> message_ids;
  MSGPACK_DEFINE(counted, message_ids)
};

/// One request's outcomes, written at once: per decision what is counted now, the
/// messageIds seen, the changed arms and the version they reached.
struct outcome_commit {
  std::map<std::string, decision_outcomes> decisions;
  std::map<arm_key, arm_counts> arms;
  std::uint64_t version = 0;
};

/// The learned score's progress, written after the outcomes it trained on: the versions
/// promoted since the last write, the trainer's head and its held-out examples
/// (learned_trainer).
struct learned_commit {
  std::vector<learned_version> versions;
  learned_head head;
  std::vector<held_out_example> held_out;  ///< Added or relabeled since the last write.
  std::uint64_t held_out_from = 0;         ///< Held-out examples below this seq are gone.
};

/// The durable side of the feedback loop the learner writes through: decisions kept for
/// attribution, what was counted for them, and the bandit's counts. RocksDB in storage/
/// (storage/decision_store.hpp), memory in tests. Failures carry the store's reason.
class decision_log {
public:
  virtual ~decision_log() = default;

  /// Keeps `decision` and makes it its user's latest at its placement. Fails with the
  /// store's reason; then nothing was written. Idempotent.
  virtual result<bool> record(const decision_record& decision) = 0;

  /// Notes how far the cluster's feedback log is applied (not synced: the log is the
  /// durable copy, and applying a record again changes nothing, see learner_actor).
  virtual result<bool> advance(const feedback_position& position) = 0;

  /// The decision `id`; nullopt when unknown or already pruned.
  virtual result<std::optional<decision_record>> find(const std::string& id) = 0;

  /// The latest decision made for `user_id` at `placement`; nullopt when none is kept.
  virtual result<std::optional<std::string>> latest(const std::string& user_id,
                                                    const std::string& placement) = 0;

  /// What was counted for decision `id` so far (empty when nothing).
  virtual result<decision_outcomes> outcomes_of(const std::string& id) = 0;

  /// The decision a messageId was counted for; nullopt when the id is new.
  virtual result<std::optional<std::string>> message(const std::string& message_id) = 0;

  /// Writes `commit` in one synced write: once it returns true the outcomes survive a
  /// crash; on failure nothing of it was written.
  virtual result<bool> commit(const outcome_commit& commit) = 0;

  /// Writes the learned score's progress; synced when `sync` (a new current version must
  /// survive a crash before decisions report it). On failure nothing of it was written.
  virtual result<bool> commit_learned(const learned_commit& commit, bool sync) = 0;

  /// Deletes decisions made before `before_ms` with what was counted for them (the arms
  /// keep their counts). Returns how many decisions went.
  virtual result<std::uint64_t> prune(std::int64_t before_ms) = 0;
};

} // namespace cohort::actors
