#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/journal.hpp"
#include "kafka/kafka_producer.hpp"

namespace cohort::cluster {

/// The journal of one events partition an owner serves (docs/cluster.md, section 3):
/// snapshots go to the local RocksDB cache (`local`, shared by all partitions) and to
/// partition p of <prefix>.state under this owner's claim epoch; a checkpoint is the
/// marker [epoch, next events offset], written only once every record this partition
/// produced before it (snapshots, forwards, handed-over states) is held by the broker.
/// The log itself is Kafka: nothing is appended here.
///
/// Thread-safe: the partition's sessions snapshot concurrently; the partition actor
/// checkpoints (blocking, up to `wait` for deliveries).
class state_journal : public actors::journal,
                      public std::enable_shared_from_this<state_journal> {
public:
  state_journal(std::shared_ptr<actors::journal> local, std::shared_ptr<kafka::kafka_producer> producer,
                std::string state_topic, std::int32_t partition, std::uint64_t epoch,
                std::chrono::milliseconds wait);

  /// Fails: a cluster's events are appended by the front, to Kafka.
  result<bool> append(actors::event_batch& events, const actors::keyed_writes& identity,
                      const actors::keyed_writes& positions) override;
  result<bool> put_snapshot(const std::string& key, const std::string& bytes) override;
  result<bool> put_snapshots(const actors::keyed_writes& snapshots) override;
  /// Empty: a node's identity replica reads the identity log.
  result<actors::keyed_writes> identity_records() override;
  result<std::optional<std::string>> get_snapshot(const std::string& key) override;
  /// Writes the marker for `seq` (the next events offset) once everything produced for
  /// this partition before it is delivered; a snapshot whose delivery failed is produced
  /// again first. Fails (503) when deliveries do not complete within the wait.
  result<bool> checkpoint(std::uint64_t seq) override;

  /// Produces a record the next marker must wait for (a forwarded event, a handed-over
  /// state), to `topic` partition `partition`; `delivered` runs on the producer's thread.
  void produce_tracked(std::string topic, std::int32_t partition, std::string key,
                       std::string value, kafka::kafka_producer::delivery_callback delivered);
  /// A record no marker may pass until it is held (a change for the changes topic): one
  /// whose delivery fails (librdkafka's own retries spent) is produced again before the
  /// next marker, which fails if it fails again.
  void produce_durable(std::string topic, std::int32_t partition, std::string key,
                       std::string value);

  std::int32_t partition() const { return partition_; }
  std::uint64_t epoch() const { return epoch_; }

private:
  /// A record produced again before the next marker.
  struct redo_record {
    std::string topic;
    std::int32_t partition;
    std::string key;
    std::string value;
  };
  void produce_snapshot(const std::string& key, const std::string& value);
  /// A record of this partition's state topic (key as written); kept in failed_ when its
  /// delivery fails.
  void produce_state_record(const std::string& record_key, const std::string& value);
  /// Produces again what failed (snapshots and durable records); false when some fail
  /// again or are not delivered within the wait.
  bool produce_failed_again();
  /// Waits until nothing this partition produced is in flight; false after `wait_`.
  bool drained();
  bool has_failures();

  std::shared_ptr<actors::journal> local_;
  std::shared_ptr<kafka::kafka_producer> producer_;
  std::string topic_;
  std::int32_t partition_;
  std::uint64_t epoch_;
  std::chrono::milliseconds wait_;

  std::mutex mutex_;
  std::condition_variable settled_;
  std::size_t in_flight_ = 0;
  /// Snapshot records whose delivery failed, by key (the latest value): sent again
  /// before the next marker.
  std::map<std::string, std::string> failed_;
  /// Durable records whose delivery failed, in the order they were produced.
  std::vector<redo_record> redo_;
};

} // namespace cohort::cluster
