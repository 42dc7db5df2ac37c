#pragma once

// N cohortd nodes on librdkafka's mock broker (cohort-kafka-mock), with fault hooks, a
// traffic generator that records what was acknowledged, and the exactly-once check:
// the model is Redpanda's raft_fixture (N nodes in one test, faults injected).

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cohortd_process.hpp"
#include "http_client.hpp"
#include "json_doc.hpp"

namespace cohort::cluster::test {
class child_process;
}

namespace cohort::it {

/// $COHORT_KAFKA_MOCK (ctest sets it).
std::string kafka_mock_binary();

/// A cluster under test: the mock broker (3 brokers, the six topics created with a
/// prefix of its own) and its nodes n1, n2, ... Each node is a cohortd_process with its
/// own data directory. On destruction the nodes stop (SIGTERM), then the broker.
class cluster_fixture {
public:
  explicit cluster_fixture(int nodes, int partitions = 8);
  ~cluster_fixture();
  cluster_fixture(const cluster_fixture&) = delete;
  cluster_fixture& operator=(const cluster_fixture&) = delete;

  int partitions() const { return partitions_; }
  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& prefix() const { return prefix_; }

  /// Starts node n<k> (the next number) and returns its index.
  std::size_t add_node();
  /// YAML appended to the config of nodes started from now on (e.g. Kafka sinks, which
  /// need bootstrap(); construct with 0 nodes, set this, then add_node()).
  void add_config(std::string yaml) { extra_config_ += std::move(yaml); }
  cohortd_process& node(std::size_t i) { return *nodes_.at(i); }
  std::size_t size() const { return nodes_.size(); }
  std::string node_id(std::size_t i) const { return "n" + std::to_string(i + 1); }
  /// Indexes of the nodes running now.
  std::vector<std::size_t> running() const;

  /// kill -9; SIGTERM (a graceful leave); SIGSTOP / SIGCONT; a restart on its data dir.
  void kill(std::size_t i);
  void stop(std::size_t i);
  void freeze(std::size_t i);
  void thaw(std::size_t i);
  void restart(std::size_t i);

  /// Sends a fault command to the broker ("leader TOPIC PARTITION BROKER", ...); throws
  /// unless it answers ok.
  void broker(const std::string& command);

  /// Polls /admin/api/nodes of a running node until every partition is served by one of
  /// `nodes` running nodes, each of them serving some (when there are enough partitions),
  /// and no other node reports; false at the deadline.
  bool all_serving(std::size_t nodes, std::chrono::milliseconds deadline);

  /// The id of the node serving `partition` now, as node `asker` sees it ("" if none).
  std::string owner_of_partition(std::int32_t partition, std::size_t asker);

  /// Prints each node's stderr tail (test failures).
  void dump() const;

private:
  std::string config() const;

  int partitions_;
  std::string prefix_;
  std::string bootstrap_;
  std::string extra_config_;
  std::unique_ptr<cluster::test::child_process> mock_;
  std::vector<std::unique_ptr<cohortd_process>> nodes_;
};

/// Events sent to the cluster from one thread per node, each batch retried (same
/// messageIds, on any running node) until it is acknowledged with 200: an event counts
/// as acknowledged only then. Users are `prefix`0 .. `prefix`(users-1).
class traffic {
public:
  traffic(cluster_fixture& cluster, std::string prefix, int users, int batch = 20);
  ~traffic();

  /// Stops sending; waits (bounded) for batches in flight to be acknowledged.
  void stop();

  /// Distinct messageIds acknowledged per user.
  std::map<std::string, std::size_t> acknowledged() const;
  std::uint64_t total_acknowledged() const;
  /// Events acknowledged per second since the start.
  double rate() const;

private:
  void run(std::size_t worker);

  cluster_fixture& cluster_;
  std::string prefix_;
  int users_;
  int batch_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::string, std::set<std::string>> acked_;
  std::uint64_t total_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::vector<std::thread> workers_;
};

/// GETs `target` from node `i`, retrying 503 (a partition moving) and connection errors
/// until `deadline`; the last answer.
http_response get_retrying(cluster_fixture& cluster, std::size_t i, const std::string& target,
                           std::chrono::milliseconds deadline);

/// For every user of `expected`, node `i` shows exactly that many events (each
/// acknowledged messageId applied once). Returns the mismatches ("user: want N, got M").
std::vector<std::string> mismatches(cluster_fixture& cluster, std::size_t i,
                                    const std::map<std::string, std::size_t>& expected);

} // namespace cohort::it
