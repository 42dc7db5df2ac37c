#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <stdexcept>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "kafka/kafka_consumer.hpp"
#include "kafka/kafka_options.hpp"
#include "kafka/kafka_producer.hpp"
#include "kafka/mock_cluster.hpp"

namespace cohort::cluster::test {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Options for a client of `bootstrap` with the short timeouts the tests wait on
/// (docs/shared NOTES: the mock waits session.timeout.ms - 1 s for rejoins).
inline kafka::kafka_options options_for(const std::string& bootstrap) {
  kafka::kafka_options options;
  options.bootstrap = bootstrap;
  options.partitions = 4;
  options.replication_factor = 3;
  options.session_timeout = 6000ms;
  options.heartbeat_interval = 500ms;
  options.message_timeout = 10000ms;
  options.request_timeout = 5000ms;
  return options;
}

/// The 3-broker mock cluster the tests share: destroying one that clients used takes
/// librdkafka about a second, so there is one per test process. Tests keep apart by
/// their own topic names, groups and prefixes; fault injection uses its own cluster.
inline kafka::mock_cluster& shared_mock() {
  static std::unique_ptr<kafka::mock_cluster> shared = [] {
    auto created = kafka::mock_cluster::create(3);
    if (!created)
      throw std::runtime_error("mock cluster: " + created.error().reason);
    return std::move(*created);
  }();
  return *shared;
}

/// Clients of a mock cluster (the shared one unless a test brings its own).
struct mock_fixture {
  mock_fixture() : mock_fixture(shared_mock()) {}
  explicit mock_fixture(kafka::mock_cluster& cluster) : mock(&cluster), options(options_for(cluster.bootstrap())) {}

  /// A topic of this test, made on the mock.
  std::string make_topic(const std::string& name, int partitions) {
    auto made = mock->create_topic(name, partitions, 3);
    BOOST_TEST_REQUIRE(bool(made), (made ? "" : made.error().reason));
    return name;
  }

  std::unique_ptr<kafka::kafka_producer> make_producer(const std::string& client_id = "test-producer") {
    auto producer = kafka::kafka_producer::create(options, client_id);
    BOOST_TEST_REQUIRE(bool(producer), (producer ? "" : producer.error().reason));
    return std::move(*producer);
  }

  std::unique_ptr<kafka::kafka_consumer> make_consumer(
    const std::string& client_id, std::optional<std::string> group = std::nullopt,
    kafka::kafka_consumer::eof_mode eof = kafka::kafka_consumer::eof_mode::ignore) {
    auto consumer = kafka::kafka_consumer::create(options, client_id, std::move(group), eof);
    BOOST_TEST_REQUIRE(bool(consumer), (consumer ? "" : consumer.error().reason));
    return std::move(*consumer);
  }

  kafka::mock_cluster* mock;
  kafka::kafka_options options;
};

/// A mock cluster of its own, for tests that take brokers down.
struct own_mock {
  own_mock() {
    auto created = kafka::mock_cluster::create(3);
    BOOST_TEST_REQUIRE(bool(created), (created ? "" : created.error().reason));
    cluster = std::move(*created);
  }
  std::unique_ptr<kafka::mock_cluster> cluster;
};

struct own_mock_fixture : own_mock, mock_fixture {
  own_mock_fixture() : own_mock(), mock_fixture(*cluster) {}
};

/// Delivery outcomes collected from the producer's poll thread.
class deliveries {
public:
  kafka::kafka_producer::delivery_callback callback(std::string tag) {
    return [this, tag = std::move(tag)](result<std::int64_t> offset) {
      std::lock_guard<std::mutex> guard{mutex_};
      ++calls_[tag];
      if (offset)
        offsets_[tag] = *offset;
      else
        errors_[tag] = offset.error().reason;
      threads_.push_back(std::this_thread::get_id());
      changed_.notify_all();
    };
  }

  /// Waits until `n` callbacks ran; false when `timeout` passed first.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock{mutex_};
    return changed_.wait_for(lock, timeout, [&] { return threads_.size() >= n; });
  }

  std::map<std::string, int> calls() const { return locked(calls_); }
  std::map<std::string, std::int64_t> offsets() const { return locked(offsets_); }
  std::map<std::string, std::string> errors() const { return locked(errors_); }
  std::vector<std::thread::id> threads() const { return locked(threads_); }

private:
  template <class T>
  T locked(const T& value) const {
    std::lock_guard<std::mutex> guard{mutex_};
    return value;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, int> calls_;
  std::map<std::string, std::int64_t> offsets_;
  std::map<std::string, std::string> errors_;
  std::vector<std::thread::id> threads_;
};

/// Produces `values` to topic/partition with keys "k<i>" and waits for every delivery.
inline void produce_all(kafka::kafka_producer& producer, const std::string& topic, std::int32_t partition,
                        const std::vector<std::string>& values) {
  deliveries delivered;
  for (std::size_t i = 0; i < values.size(); ++i)
    producer.produce(topic, partition, "k" + std::to_string(i), values[i],
                     delivered.callback(std::to_string(i)));
  BOOST_TEST_REQUIRE(delivered.wait_for(values.size(), 10s));
  BOOST_TEST_REQUIRE(delivered.errors().empty(),
                     (delivered.errors().empty() ? "" : delivered.errors().begin()->second));
}

/// Polls `consumer` until `n` records came or `timeout` passed; errors fail the test.
inline std::vector<kafka::kafka_message> consume(kafka::kafka_consumer& consumer, std::size_t n,
                                          std::chrono::milliseconds timeout) {
  std::vector<kafka::kafka_message> out;
  const auto deadline = clock::now() + timeout;
  while (out.size() < n && clock::now() < deadline) {
    auto message = consumer.poll(50ms);
    if (!message)
      continue;
    if (message->is_error()) {
      BOOST_TEST_MESSAGE("consumer error: " << message->error);
      continue;
    }
    if (message->is_record())
      out.push_back(std::move(*message));
  }
  return out;
}

/// Bounded wait for a condition that other threads (or polls inside `step`) make true.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       const std::function<void()>& step = {}) {
  const auto deadline = clock::now() + timeout;
  while (!done()) {
    if (clock::now() >= deadline)
      return false;
    if (step)
      step();
    else
      std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// True for a result<bool> holding true; reports the failure's reason otherwise.
inline bool succeeded(const result<bool>& outcome) {
  if (!outcome)
    BOOST_TEST_MESSAGE("failed: " << outcome.error().reason);
  return outcome && *outcome;
}

inline std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back(prefix + std::to_string(i));
  return out;
}

} // namespace cohort::cluster::test
