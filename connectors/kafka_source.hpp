#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
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

#include "actors/flow_control.hpp"
#include "actors/messages.hpp"
#include "codecs/event_types.hpp"
#include "codecs/native_mapping.hpp"
#include "config/config.hpp"
#include "connectors/record_decoder.hpp"
#include "connectors/source_lag.hpp"
#include "kafka/kafka_consumer.hpp"
#include "storage/dead_letters.hpp"
#include "storage/store.hpp"

namespace cohort::connectors {

/// What a source needs of the node: the same ingest actor, flow control, decoders and
/// dead-letter store as the HTTP endpoints, and the store its positions are read from.
struct source_context {
  caf::actor_system& system;
  caf::actor ingest;
  std::shared_ptr<actors::flow_control> flow;
  storage::store& db;
  storage::dead_letters& letters;
  codecs::event_types types;
  std::vector<codecs::mapping_rule> mappings;
  std::size_t max_message_bytes = 32768;
  std::chrono::milliseconds request_timeout{10000};
  std::shared_ptr<source_lag> lag;
  std::string client_id;  ///< librdkafka client.id (the node id and the source's index).
  /// A cluster's: `ingest` is the events front (no positions go with the events) and a
  /// partition's position is the group's committed offset, committed after every apply,
  /// since any node may take the partition over. The re-read tail after a crash carries
  /// the same messageIds, which the owners' dedup drops.
  bool positions_in_group = false;
};

/// Counters of one source (/metrics, /admin/api/kafka).
struct source_counters {
  std::atomic<std::uint64_t> records{0};    ///< Records applied (their positions durable).
  std::atomic<std::uint64_t> events{0};     ///< Events they carried.
  std::atomic<std::uint64_t> rejected{0};   ///< Messages sent to the dead letters.
  std::atomic<std::uint64_t> paused{0};     ///< Times consumption paused for ingest room.
  std::atomic<std::uint64_t> failures{0};   ///< Appends or dead-letter writes that failed.
};

/// Consumes a source's topics into ingest on its own thread, exactly once per record:
/// records are decoded like an HTTP batch, and the events go to the ingest actor together
/// with each partition's next offset, which it writes in the same append
/// (source_positions.hpp). On every assignment a partition starts at its stored position
/// (the group's committed offset, else the earliest, when none is stored), so after a
/// kill -9 or a rebalance nothing is skipped or applied twice; events without a messageId
/// get one from their record, so a re-read after an unanswered append is deduplicated by
/// the sessions. Positions are also committed to the group every few seconds (for
/// outside tools and for a fresh data directory) but never read back over stored ones.
/// A record that does not decode is a dead letter naming its topic, partition and offset,
/// and its partition moves on. When ingest has no room (flow control), the assigned
/// partitions are paused until it has: one batch is held, never more. A failed append or
/// dead-letter write is retried from the batch's first offsets after a second.
class kafka_source {
public:
  /// Creates the consumer, subscribes and starts the thread. Fails (400) on a property
  /// librdkafka refuses; an unreachable broker shows as lag never moving.
  static result<std::unique_ptr<kafka_source>> start(const config::kafka_source_config& cfg,
                                                     source_context ctx);
  /// Stops the thread and leaves the group (the batch held, if any, is dropped: its
  /// positions were not written, so the next owner reads it again).
  ~kafka_source();
  kafka_source(const kafka_source&) = delete;
  kafka_source& operator=(const kafka_source&) = delete;

  const config::kafka_source_config& config() const { return cfg_; }
  const source_counters& counters() const { return counters_; }

private:
  using partition_key = kafka::topic_partition;
  /// Records read and decoded, not yet applied.
  struct pending_batch {
    actors::event_batch events;
    std::vector<storage::dead_letter> letters;
    std::map<partition_key, std::int64_t> first;  ///< Offset of each partition's first record.
    std::map<partition_key, std::int64_t> next;   ///< Offset after each partition's last one.
    std::uint64_t records = 0;
    void clear() { *this = pending_batch{}; }
  };

  kafka_source(const config::kafka_source_config& cfg, source_context ctx);
  void run();
  void take(const kafka::kafka_message& msg);
  void on_assigned(std::vector<kafka::partition_start>& assigned);
  void on_revoked(const std::vector<kafka::topic_partition>& revoked);
  /// Applies the pending batch; false when it must be retried.
  bool apply();
  /// Admits the batch's events into flow control, pausing the partitions while there is
  /// no room: the count admitted, nullopt when stopping or a rebalance dropped the batch.
  std::optional<std::int64_t> wait_for_room();
  bool store_letters();
  bool append_events();
  void rewind();
  void commit_positions(bool force);
  void update_lag();
  /// Waits up to `d` unless stopping; false when stopping.
  bool pause_for(std::chrono::milliseconds d);

  config::kafka_source_config cfg_;
  source_context ctx_;
  record_format format_;
  source_counters counters_;
  std::unique_ptr<kafka::kafka_consumer> consumer_;
  pending_batch pending_;
  std::map<partition_key, std::int64_t> applied_;  ///< Next offset applied, per partition.
  std::map<partition_key, std::int64_t> committed_;  ///< Last committed to the group.
  std::chrono::steady_clock::time_point last_commit_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace cohort::connectors
