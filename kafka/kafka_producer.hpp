#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <map>
#include <utility>
#include <vector>

#include "kafka/kafka_handles.hpp"
#include "kafka/kafka_options.hpp"
#include "codecs/result.hpp"

namespace cohort::kafka {

/// Appends records to Kafka with acks=all and tells the caller, once per record, whether
/// the broker holds it (the offset) or why not: what the ingest front needs before it
/// answers 200. Records go to the partition the caller names (Cohort hashes keys itself).
///
/// Every delivery callback runs exactly once, on the producer's own poll thread, never
/// inside produce(): with the record's offset, or with a failure (503) carrying
/// librdkafka's text (message timed out, unknown partition, queue full, producer closed).
/// A callback must not block for long; it holds back every later one.
///
/// produce() and flush() are thread-safe. The destructor flushes for up to 2 s, then
/// purges what is left (those callbacks fail) and stops the poll thread.
class kafka_producer {
public:
  using delivery_callback = std::function<void(result<std::int64_t> offset)>;

  /// How long produce() waits for room when librdkafka's local queue is full
  /// (queue.buffering.max.messages / .kbytes) before it fails the record's callback.
  static constexpr std::chrono::milliseconds queue_full_wait{100};
  /// How long the destructor waits for outstanding deliveries before purging them.
  static constexpr std::chrono::milliseconds close_flush_timeout{2000};

  /// A producer with acks=all, enable.idempotence=true, linger.ms=2,
  /// message.timeout.ms = options.message_timeout, socket and request timeouts =
  /// options.request_timeout, then options.extra. Fails (400) on a property librdkafka
  /// refuses. Does not wait for the brokers: an unreachable cluster shows as deliveries
  /// failing after message_timeout.
  static result<std::unique_ptr<kafka_producer>> create(const kafka_options& options,
                                                        std::string client_id);
  ~kafka_producer();
  kafka_producer(const kafka_producer&) = delete;
  kafka_producer& operator=(const kafka_producer&) = delete;

  /// Queues `key`/`value` (copied) for `topic` partition `partition`. Never blocks for
  /// more than queue_full_wait (and only when the local queue is full; never when called
  /// from a delivery callback): if there is still no room then, the callback fails with
  /// "local produce queue is full". Empty key = null key.
  void produce(std::string topic, std::int32_t partition, std::string key, std::string value,
               delivery_callback on_delivery);

  /// Waits until every record produced before the call has had its callback run. True
  /// when done; false when `timeout` passed first (nothing is cancelled). Fails (500)
  /// when called from a delivery callback, which would wait for itself.
  result<bool> flush(std::chrono::milliseconds timeout);

  /// Records whose callback has not run yet.
  std::size_t outstanding() const;

private:
  kafka_producer() = default;
  static void on_delivery_report(rd_kafka_t* rk, const rd_kafka_message_t* message,
                                 void* client_opaque);
  /// Runs the callback of record `id` (poll thread only), then forgets the record.
  void deliver(std::uint64_t id, result<std::int64_t> outcome);
  /// Hands a record librdkafka refused to the poll thread, which fails its callback.
  void refuse(std::uint64_t id, std::string reason);
  void poll_loop();
  void run_refused();
  bool on_poll_thread() const { return std::this_thread::get_id() == poll_thread_.get_id(); }

  client_handle rk_;
  queue_handle main_queue_;  ///< rd_kafka_poll's queue; yielded to wake the poll thread

  mutable std::mutex mutex_;
  std::condition_variable progress_;  ///< a callback ran (flush and full-queue waits)
  std::uint64_t next_id_ = 1;
  /// Records whose callback has not run, by id (the order of produce calls). A record
  /// is erased only after its callback returned, so flush() means "callbacks ran".
  std::map<std::uint64_t, delivery_callback> callbacks_;
  std::vector<std::pair<std::uint64_t, std::string>> refused_;  ///< ids with the reason
  bool stopping_ = false;

  std::thread poll_thread_;  ///< started last in create(), joined in the destructor
};

} // namespace cohort::kafka
