#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "actors/decision_log.hpp"
#include "storage/store.hpp"

#include <rocksdb/write_batch.h>

namespace cohort::storage {

/// The feedback loop's records in the `decisions` column family (SPEC 5), by key prefix:
///   d/<decisionId>              decision_record (msgpack)
///   x/<at ms, 8 bytes BE><id>   expiry index: prune() walks it oldest first
///   l/<userId>\x1f<placement>   the latest decisionId for the pair
///   o/<decisionId>              decision_outcomes: kinds counted, messageIds
///   m/<messageId>               the decisionId it was counted for
///   a/<arm (msgpack)>           arm_counts
///   v                           the posterior version (8 bytes BE)
///   s/<version, 8 bytes BE>     learned_version: one per version of the learned score
///   h                           learned_head: current version and candidate progress
///   r/<seq, 8 bytes BE>         held_out_example: the learned score's held-out slice
///   f                           feedback_position: how far the cluster's feedback log
///                               is applied
/// Decisions are written without fsync (a decision lost in a crash only loses the
/// attribution of its outcomes); outcomes with the counts they change in one synced
/// write. Thread-safe: HTTP threads record decisions while the learner writes outcomes.
class decision_store final : public actors::decision_log {
public:
  explicit decision_store(store& db) : store_(db) {}

  /// Keeps `decision` and makes it its user's latest at its placement (one write, WAL
  /// on, no sync). Fails with the RocksDB reason; then nothing was written.
  result<bool> record(const actors::decision_record& decision) override;
  result<bool> advance(const actors::feedback_position& position) override;

  /// How far the cluster's feedback log was applied (the start when never).
  result<actors::feedback_position> position();

  /// The stored arms and version: what the learner starts from.
  result<actors::posteriors> load();

  /// What the learned score's trainer stored (no head when nothing yet).
  result<actors::learned_saved> load_learned();

  /// Deletes the learned score's versions, head and held-out examples (synced): they
  /// were learned over other inputs than the config now names.
  result<bool> forget_learned();

  result<std::optional<actors::decision_record>> find(const std::string& id) override;
  result<std::optional<std::string>> latest(const std::string& user_id,
                                            const std::string& placement) override;
  result<actors::decision_outcomes> outcomes_of(const std::string& id) override;
  result<std::optional<std::string>> message(const std::string& message_id) override;
  result<bool> commit(const actors::outcome_commit& commit) override;
  result<bool> commit_learned(const actors::learned_commit& commit, bool sync) override;
  result<std::uint64_t> prune(std::int64_t before_ms) override;

private:
  result<std::optional<std::string>> get(const std::string& key);
  /// Writes `batch` (synced when `sync`); fails with the RocksDB reason.
  result<bool> write(rocksdb::WriteBatch& batch, bool sync);

  store& store_;
  /// Orders record()'s latest pointer against prune() removing it, so prune never drops
  /// a pointer to a newer decision.
  std::mutex latest_mutex_;
};

} // namespace cohort::storage
