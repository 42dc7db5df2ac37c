#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codecs/result.hpp"
#include "connectors/webhook_queue_ref.hpp"

namespace cohort::connectors {

/// Where a destination's queued changes wait until they are answered: a node's RocksDB
/// queue (webhook_queue), or in a cluster the changes read from Kafka whose offsets are
/// committed once delivered (cluster/webhook_feed). The sender reads a body just before
/// it sends and removes the entry once it is finished. Thread-safe.
class delivery_store {
public:
  virtual ~delivery_store() = default;
  /// The body of an entry; nullopt when it is gone (dropped, or no longer this node's).
  virtual result<std::optional<std::string>> body(std::uint32_t destination,
                                                  const queued_ref& ref) = 0;
  /// The entry is finished: delivered, dropped or given up.
  virtual result<bool> remove(std::uint32_t destination, const queued_ref& ref) = 0;
};

} // namespace cohort::connectors
