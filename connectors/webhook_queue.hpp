#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codecs/result.hpp"
#include "connectors/delivery_store.hpp"
#include "storage/store.hpp"

namespace cohort::connectors {

/// A change to queue for one destination.
struct queue_entry {
  std::uint32_t destination = 0;
  queued_ref ref;
  std::string body;  ///< The JSON POSTed.
};

/// The webhook queues on disk: column family `webhooks`, key destination (4 bytes) +
/// profile length (4) + profile + seq (8, big-endian), value msgpack [enqueued_ms, body].
/// The key is a function of the change, so a change derived again by a replay overwrites
/// its own entry instead of adding a second. Thread-safe (RocksDB is).
class webhook_queue : public delivery_store {
public:
  webhook_queue(storage::store& db, bool fsync);

  /// A destination's id: a stable hash of its URL, so reordering the config list keeps
  /// each queue with its URL.
  static std::uint32_t destination_id(const std::string& url);

  /// Writes every entry in one atomic write (synced when the node runs with fsync).
  result<bool> put(const std::vector<queue_entry>& entries);
  /// Deletes a delivered (or dropped) entry.
  result<bool> remove(std::uint32_t destination, const queued_ref& ref) override;
  /// The body of an entry; nullopt when it is gone.
  result<std::optional<std::string>> body(std::uint32_t destination,
                                          const queued_ref& ref) override;
  /// Every entry of a destination (startup), in key order.
  result<std::vector<queued_ref>> load(std::uint32_t destination);

private:
  storage::store& db_;
  bool fsync_;
};

} // namespace cohort::connectors
