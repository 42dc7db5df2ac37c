#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/journal.hpp"
#include "actors/session_actor.hpp"
#include "kafka/kafka_consumer.hpp"
#include "kafka/kafka_options.hpp"
#include "kafka/kafka_producer.hpp"
#include "cluster/log_records.hpp"

namespace cohort::cluster {

/// What serving partitions needs from the node.
struct owner_context {
  caf::actor_system& system;
  kafka::kafka_options kafka;
  std::string node_id;
  std::shared_ptr<kafka::kafka_producer> producer;
  std::shared_ptr<actors::journal> cache;  ///< The local snapshot cache (RocksDB).
  /// Every partition's sessions work within this; its store and forwarder are set per
  /// partition, its flow control counts records read and not yet applied.
  actors::session_env env;
  std::chrono::milliseconds checkpoint_interval{30000};
};

/// The node as a member of consumer group <prefix> on <prefix>.events: the partitions
/// the group assigns it are its users (docs/cluster.md, section 3). For each it claims
/// and restores the partition's state (on one of a few restore threads, each with its own
/// reader, the partition held paused meanwhile), then serves it: one directory shard, one partition actor routing its
/// records in log order and checkpointing, one producer for what it writes elsewhere.
/// A revoked partition is checkpointed (unless lost: another node may own it already)
/// and its actors stopped. Reading pauses while more than the flow limit of records is
/// read and not applied.
///
/// One thread polls the group; the other methods may be called from any thread.
class partition_owner {
public:
  /// Joins the group and starts polling. Fails when the consumer cannot be created.
  static result<std::unique_ptr<partition_owner>> start(owner_context ctx);
  ~partition_owner();
  partition_owner(const partition_owner&) = delete;
  partition_owner& operator=(const partition_owner&) = delete;

  /// Leaves the group (a graceful stop: every partition is checkpointed first) and stops
  /// every partition's actors. Idempotent.
  void stop();

  /// Each partition this node holds now, with its state (claiming, restoring, serving,
  /// revoking), epoch, applied offset and end offset, for the members topic.
  std::vector<partition_report> report() const;

  /// The directory shard of partition `p` when this node serves it.
  std::optional<caf::actor> shard_of(std::int32_t p) const;

  /// The directory shards of every partition served now.
  std::vector<caf::actor> shards() const;

private:
  struct partition;
  struct restored;
  explicit partition_owner(owner_context ctx);
  void run();
  /// A restore thread: claims and restores the partitions queued, one at a time.
  void restore_loop(std::size_t worker);
  /// Checkpoints the partitions being handed over, at once and within a deadline.
  void final_checkpoints(const std::vector<std::shared_ptr<partition>>& going);
  /// Claims and restores `p` (retrying while it stays assigned), then spawns its actors.
  void restore(const std::shared_ptr<partition>& p, kafka::kafka_consumer& reader);

  owner_context ctx_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;  ///< Guards partitions_ and done_.
  std::map<std::int32_t, std::shared_ptr<partition>> partitions_;
  std::vector<std::shared_ptr<restored>> done_;  ///< Restores finished, for the poll thread.
  std::mutex queue_mutex_;
  std::condition_variable queued_;
  std::deque<std::shared_ptr<partition>> queue_;  ///< Assigned, waiting for a restorer.
  std::vector<std::thread> restorers_;
  std::thread thread_;
};

} // namespace cohort::cluster
