#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/kafka_handles.hpp"
#include "codecs/result.hpp"

namespace cohort::kafka {

/// Raw librdkafka properties, name and value, applied in order (a later one wins).
using kafka_properties = std::vector<std::pair<std::string, std::string>>;

/// How a node reaches Kafka and names its topics (the `cluster.kafka` config section).
struct kafka_options {
  std::string bootstrap;               ///< "host:port,host:port"
  std::string topic_prefix = "cohort"; ///< topics are "<prefix>.<suffix>"
  int partitions = 64;                 ///< P of the events, state and changes topics
  int replication_factor = 3;          ///< for topics Cohort creates
  std::chrono::milliseconds session_timeout{10000};   ///< group session (failover time)
  std::chrono::milliseconds heartbeat_interval{1000}; ///< group heartbeats
  /// A produced record that is not acknowledged by then fails its delivery callback.
  std::chrono::milliseconds message_timeout{30000};
  /// One network request (socket.timeout.ms and the producer's request.timeout.ms).
  std::chrono::milliseconds request_timeout{10000};
  /// How long a broker may hold a consumer's fetch that found nothing (fetch.wait.max.ms).
  /// Kafka answers as soon as records arrive; librdkafka's mock never does, so there it
  /// is the consume latency (librdkafka's default of 500 ms would be felt on every hop).
  std::chrono::milliseconds fetch_wait{100};
  /// Applied last, over every setting Cohort makes: an operator's escape hatch (TLS,
  /// SASL, tuning). Overriding a role setting (acks, enable.auto.commit, ...) voids the
  /// guarantees the classes document.
  kafka_properties extra;
};

/// The five topic suffixes of docs/cluster.md §2.
namespace topics {
inline constexpr std::string_view events = "events";
inline constexpr std::string_view state = "state";
inline constexpr std::string_view identity = "identity";
inline constexpr std::string_view changes = "changes";
inline constexpr std::string_view members = "members";
/// Decisions and outcomes of every node, in the order every learner applies them.
inline constexpr std::string_view feedback = "feedback";
inline constexpr std::string_view all[] = {events, state, identity, changes, members, feedback};
} // namespace topics

/// "<prefix>.<suffix>", e.g. topic_name(opts, topics::events) == "cohort.events".
std::string topic_name(const kafka_options& options, std::string_view suffix);

/// The partition count Cohort gives a topic: `options.partitions` for events, state and
/// changes; 1 for identity and members (one total order each).
int partitions_of(const kafka_options& options, std::string_view suffix);

/// A librdkafka configuration: bootstrap.servers and client.id from `options`, then
/// `role` (what a producer or consumer needs), then `options.extra`. Fails (400) naming
/// the property, its value and librdkafka's message when librdkafka refuses one, or when
/// the bootstrap list is empty.
result<conf_handle> make_conf(const kafka_options& options, const std::string& client_id,
                              const kafka_properties& role);

/// rd_kafka_new with `conf` (consumed either way). Fails (400) with librdkafka's message,
/// e.g. for a combination of properties it rejects only as a whole.
result<client_handle> new_client(rd_kafka_type_t type, conf_handle conf);

/// A failure carrying librdkafka's text for `err`, prefixed with what was being done:
/// "<what>: <err2str>". Status 503 (the broker side is unavailable or refused).
failure kafka_failure(const std::string& what, rd_kafka_resp_err_t err);

} // namespace cohort::kafka
