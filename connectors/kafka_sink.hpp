#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "actors/change_event.hpp"
#include "config/config.hpp"
#include "kafka/kafka_producer.hpp"

namespace cohort::connectors {

/// Counters of one sink (/metrics, /admin/api/kafka).
struct sink_counters {
  std::atomic<std::uint64_t> produced{0};  ///< Changes the broker acknowledged.
  std::atomic<std::uint64_t> failed{0};    ///< Changes not delivered (timeout, full queue, ...).
};

/// Produces every change of the configured kinds to one topic: key = profile id (the
/// default partitioner keeps a profile on one partition, so in its order), value = the
/// change as the WebSocket pushes it (api/change_json.hpp), with the per-profile `seq`.
/// The producer is idempotent with acks=all; its local queue is bounded (queue_limit
/// records): past it, or when a record is not acknowledged within the delivery timeout,
/// the change is counted as failed and logged, not retried further. Changes re-published
/// after a restart (log replay) carry the seq they had: consumers drop repeats by
/// (key, seq). Thread-safe.
class kafka_sink {
public:
  static constexpr int queue_limit = 100000;

  /// Fails (400) on a property librdkafka refuses.
  static result<std::unique_ptr<kafka_sink>> create(const config::kafka_sink_config& cfg,
                                                    const std::string& client_id);

  /// Produces `change` when its kind is one of the sink's.
  void send(const actors::change_event& change);

  const config::kafka_sink_config& config() const { return cfg_; }
  const sink_counters& counters() const { return *counters_; }
  /// Changes produced whose delivery is not known yet.
  std::size_t queued() const { return producer_->outstanding(); }

private:
  kafka_sink(config::kafka_sink_config cfg, std::unique_ptr<kafka::kafka_producer> producer);

  config::kafka_sink_config cfg_;
  std::set<actors::change_event::kind> kinds_;
  std::shared_ptr<sink_counters> counters_;  ///< Shared with delivery callbacks.
  std::unique_ptr<kafka::kafka_producer> producer_;  ///< Last: flushed before the rest goes.
};

} // namespace cohort::connectors
