#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "api/metrics.hpp"
#include "config/config.hpp"
#include "connectors/kafka_sink.hpp"
#include "connectors/kafka_source.hpp"
#include "connectors/source_lag.hpp"

namespace cohort::connectors {

/// A single node's Kafka sources and sinks (config `kafka:`), started in two steps: the
/// sinks before the sessions exist (sessions publish through sessions_publisher()), the
/// sources once the log has been replayed (start_sources()). Their state is shown by
/// write_metrics() (/metrics) and status_json() (/admin/api/kafka, the console).
class kafka_connectors {
public:
  /// Creates the sinks' producers. Fails (400) naming the sink on a refused property.
  static result<std::unique_ptr<kafka_connectors>> create(const config::kafka_config& cfg,
                                                          const std::string& node_id);

  /// What the session actors publish to: a tee to `publisher` and the sinks, or
  /// `publisher` itself when there are none.
  caf::actor sessions_publisher(caf::actor_system& system, const caf::actor& publisher);

  /// Starts every source with `ctx` (its client id and lag board are set per source).
  /// Fails naming the source; the ones started before keep running until stop_sources().
  result<bool> start_sources(const source_context& ctx);

  /// Stops the sources (before the node's final checkpoint: nothing is appended after it).
  void stop_sources();

  void write_metrics(api::prometheus_writer& w) const;

  /// {"sources":[{group,topics,format,encoding,records,events,rejected,paused,failures,
  ///   partitions:[{topic,partition,position,high,lag}]}],
  ///  "sinks":[{topic,events,produced,failed,queued}]}
  std::string status_json() const;

private:
  kafka_connectors() = default;

  config::kafka_config cfg_;
  std::string node_id_;
  std::shared_ptr<source_lag> lag_ = std::make_shared<source_lag>();
  std::vector<std::shared_ptr<kafka_sink>> sinks_;
  std::vector<std::unique_ptr<kafka_source>> sources_;
};

} // namespace cohort::connectors
