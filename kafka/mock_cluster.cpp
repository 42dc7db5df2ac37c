#include "kafka/mock_cluster.hpp"

#include <algorithm>
#include <utility>

namespace cohort::kafka {

namespace {

result<bool> outcome(const std::string& what, rd_kafka_resp_err_t err) {
  if (err)
    return kafka_failure("mock cluster: " + what, err);
  return true;
}

std::string broker_name(std::int32_t broker_id) { return "broker " + std::to_string(broker_id); }

} // namespace

result<std::unique_ptr<mock_cluster>> mock_cluster::create(int brokers) {
  if (brokers < 1)
    return failure{400, "mock cluster needs at least 1 broker"};
  conf_handle conf{rd_kafka_conf_new()};
  char errstr[512];
  // This client only carries the mock's books and never connects anywhere: its notice
  // that no bootstrap servers are configured (level 5) is noise; warnings stay.
  for (auto [name, value] : {std::pair{"client.id", "cohort-mock-cluster"}, {"log_level", "4"}})
    if (rd_kafka_conf_set(conf.get(), name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      return failure{500, std::string("mock cluster: ") + errstr};
  auto rk = new_client(RD_KAFKA_PRODUCER, std::move(conf));
  if (!rk)
    return rk.error();
  std::unique_ptr<mock_cluster> mock{new mock_cluster};
  mock->rk_ = std::move(*rk);
  mock->cluster_.reset(rd_kafka_mock_cluster_new(mock->rk_.get(), brokers));
  if (!mock->cluster_)
    return failure{500, "mock cluster: librdkafka could not start " + std::to_string(brokers)
                          + " brokers (see its log)"};
  mock->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock->cluster_.get());
  mock->brokers_ = brokers;
  return mock;
}

mock_cluster::~mock_cluster() {
  cluster_.reset();  // before the client that keeps its books
  rk_.reset();
}

result<bool> mock_cluster::create_topic(const std::string& name, int partitions,
                                        int replication_factor) {
  auto created = outcome("create topic " + name,
                         rd_kafka_mock_topic_create(cluster_.get(), name.c_str(), partitions,
                                                    replication_factor));
  if (created) {
    std::lock_guard<std::mutex> guard{mutex_};
    partitions_[name] = partitions;
  }
  return created;
}

result<bool> mock_cluster::create_cluster_topics(const kafka_options& options) {
  const int replication = std::max(1, std::min(options.replication_factor, brokers_));
  for (auto suffix : topics::all) {
    auto created = create_topic(topic_name(options, suffix), partitions_of(options, suffix),
                                replication);
    if (!created)
      return created;
  }
  return true;
}

result<bool> mock_cluster::set_partition_leader(const std::string& topic, std::int32_t partition,
                                                std::int32_t broker_id) {
  {
    // The mock would create an unknown topic with partition + 1 partitions and succeed.
    std::lock_guard<std::mutex> guard{mutex_};
    auto known = partitions_.find(topic);
    if (known == partitions_.end())
      return failure{404, "mock cluster: topic " + topic + " was not created by create_topic"};
    if (partition < 0 || partition >= known->second)
      return failure{404, "mock cluster: topic " + topic + " has no partition "
                            + std::to_string(partition)};
  }
  return outcome("leader of " + topic + "/" + std::to_string(partition) + " to "
                   + broker_name(broker_id),
                 rd_kafka_mock_partition_set_leader(cluster_.get(), topic.c_str(), partition,
                                                    broker_id));
}

result<bool> mock_cluster::set_broker_down(std::int32_t broker_id) {
  return outcome(broker_name(broker_id) + " down",
                 rd_kafka_mock_broker_set_down(cluster_.get(), broker_id));
}

result<bool> mock_cluster::set_broker_up(std::int32_t broker_id) {
  return outcome(broker_name(broker_id) + " up",
                 rd_kafka_mock_broker_set_up(cluster_.get(), broker_id));
}

result<bool> mock_cluster::set_rtt(std::int32_t broker_id, int rtt_ms) {
  return outcome(broker_name(broker_id) + " rtt",
                 rd_kafka_mock_broker_set_rtt(cluster_.get(), broker_id, rtt_ms));
}

} // namespace cohort::kafka
