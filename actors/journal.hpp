#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/messages.hpp"
#include "codecs/result.hpp"

namespace cohort::actors {

/// Writes to a key-value column beside the log: (key, bytes), or (key, nullopt) to delete.
using keyed_writes = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// The durable storage actors write through: the accepted-event log, per-user snapshots
/// and the checkpoint that ties them together. RocksDB in storage/, memory in tests.
/// Implementations are thread-safe: many session actors snapshot concurrently.
class journal {
public:
  virtual ~journal() = default;

  /// Appends `events` in one atomic write and stamps each with its sequence number
  /// (consecutive, increasing). Returns only once the write is durable as configured;
  /// on failure nothing was written and no event is stamped.
  /// `identity` (identity-graph records) is written in the same atomic write, so the graph
  /// never disagrees with the log about which profile an event was routed to; so are
  /// `positions` (meta records: a Kafka source's next offsets), so a source never resumes
  /// before or after what the log holds.
  virtual result<bool> append(event_batch& events, const keyed_writes& identity,
                              const keyed_writes& positions) = 0;

  /// append() with no source positions.
  result<bool> append(event_batch& events, const keyed_writes& identity) {
    return append(events, identity, {});
  }

  /// append() with no identity records or source positions.
  result<bool> append(event_batch& events) { return append(events, {}, {}); }

  /// Stores `bytes` as the snapshot of `key` (replacing an older one).
  virtual result<bool> put_snapshot(const std::string& key, const std::string& bytes) = 0;

  /// Writes (or deletes) several snapshots in one atomic write: a merge or unmerge of two
  /// profiles must never be half on disk.
  virtual result<bool> put_snapshots(const keyed_writes& snapshots) = 0;

  /// Every stored identity-graph record (read once at startup).
  virtual result<keyed_writes> identity_records() = 0;

  /// The snapshot of `key`, nullopt when the user has none; a read error is a failure.
  virtual result<std::optional<std::string>> get_snapshot(const std::string& key) = 0;

  /// Records that every event up to `seq` is reflected in snapshots and drops those
  /// events from the log. Durable (synced) before it returns.
  virtual result<bool> checkpoint(std::uint64_t seq) = 0;
};

} // namespace cohort::actors
