#pragma once

#include <chrono>
#include <map>
#include <string>

#include "kafka/kafka_options.hpp"
#include "codecs/result.hpp"

namespace cohort::kafka {

/// Topic administration at startup: make sure the five topics of docs/cluster.md exist
/// with the partition counts the cluster hashes by. Each call opens its own short-lived
/// client; every step is bounded by `timeout`.

/// Every topic of the cluster and its partition count, from a metadata request for all
/// topics (which, unlike a request naming a topic, never auto-creates one). Fails (503)
/// when no broker answers within `timeout`.
result<std::map<std::string, int>> topic_partitions(const kafka_options& options,
                                                    std::chrono::milliseconds timeout);

/// True when all five topics exist (whatever their partition counts).
result<bool> topics_exist(const kafka_options& options, std::chrono::milliseconds timeout);

/// Creates the missing topics with CreateTopics: events, state and changes with
/// options.partitions partitions, identity and members with 1; replication factor
/// options.replication_factor; state and identity with cleanup.policy=compact. A topic
/// that exists (or is created meanwhile by another node: "already exists") is fine if
/// its partition count is right. Fails with a reason naming the topics: (500) an existing
/// topic has another partition count (records would hash to other partitions); (503)
/// the broker refused, or the cluster cannot create topics at all (librdkafka's mock
/// cluster has no CreateTopics and names no real controller: this fails at once, and the
/// caller decides whether to go on); (504) `timeout` passed.
result<bool> ensure_topics(const kafka_options& options, std::chrono::milliseconds timeout);

} // namespace cohort::kafka
