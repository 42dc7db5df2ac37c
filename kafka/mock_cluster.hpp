#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka/kafka_handles.hpp"
#include "kafka/kafka_options.hpp"
#include "codecs/result.hpp"

namespace cohort::kafka {

/// librdkafka's in-process mock Kafka cluster: N brokers (ids 1..N) on loopback ports
/// of this process, reachable by any client, this process's or another's. Tests and
/// cohort-kafka-mock use it instead of a broker. It is not Kafka (docs/cluster.md §6):
/// no CreateTopics, no compaction, bounded partitions, no idempotence check.
///
/// Fault hooks change the running cluster; they fail (503) with librdkafka's reason,
/// e.g. for an unknown topic or broker.
class mock_cluster {
public:
  /// Starts `brokers` brokers. Fails (500) when librdkafka cannot (see its log).
  static result<std::unique_ptr<mock_cluster>> create(int brokers);
  ~mock_cluster();
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;

  /// "127.0.0.1:PORT,127.0.0.1:PORT,..." for bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }
  int brokers() const { return brokers_; }

  /// Creates a topic (the mock's replacement for CreateTopics).
  result<bool> create_topic(const std::string& name, int partitions, int replication_factor);
  /// The five topics of `options`, with the partition counts ensure_topics gives them
  /// and a replication factor of min(options.replication_factor, brokers()).
  result<bool> create_cluster_topics(const kafka_options& options);

  /// Makes `broker_id` the leader of a partition (clients follow within about a second).
  /// Only for topics made by create_topic (404 otherwise): librdkafka's mock would
  /// silently create an unknown topic instead.
  result<bool> set_partition_leader(const std::string& topic, std::int32_t partition,
                                    std::int32_t broker_id);
  /// Closes a broker's connections and refuses new ones / accepts them again. A down
  /// leader keeps its partitions: move them with set_partition_leader.
  result<bool> set_broker_down(std::int32_t broker_id);
  result<bool> set_broker_up(std::int32_t broker_id);
  /// Delays every response of a broker by `rtt_ms` (0: none).
  result<bool> set_rtt(std::int32_t broker_id, int rtt_ms);

private:
  struct cluster_deleter {
    void operator()(rd_kafka_mock_cluster_t* cluster) const {
      rd_kafka_mock_cluster_destroy(cluster);
    }
  };
  mock_cluster() = default;

  client_handle rk_;  ///< librdkafka keeps the mock's books on a client; outlives cluster_
  std::unique_ptr<rd_kafka_mock_cluster_t, cluster_deleter> cluster_;
  std::string bootstrap_;
  int brokers_ = 0;
  std::mutex mutex_;  ///< fault hooks may come from several threads
  std::map<std::string, int> partitions_;  ///< topics made by create_topic

};

} // namespace cohort::kafka
