#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/engine_model.hpp"
#include "actors/flow_control.hpp"
#include "actors/identity_graph.hpp"
#include "actors/locator.hpp"
#include "codecs/event_types.hpp"
#include "codecs/native_mapping.hpp"
#include "config/config.hpp"
#include "actors/learner_state.hpp"
#include "storage/dead_letters.hpp"
#include "actors/decision_record.hpp"
#include "api/metrics.hpp"
#include "actors/model_loader.hpp"

namespace cohort::http {
class http_router;
}

namespace cohort::api {

/// Process-wide counters shown by /admin/api/nodes, the console and /metrics.
struct node_counters {
  /// `dedup` counts the retries the session actors recognised.
  explicit node_counters(std::shared_ptr<const std::atomic<std::uint64_t>> dedup)
    : dedup_hits(std::move(dedup)) {
  }
  std::atomic<std::uint64_t> accepted{0};   ///< Events acknowledged.
  std::atomic<std::uint64_t> rejected{0};   ///< Messages sent to the dead-letter store.
  std::atomic<std::uint64_t> requests{0};   ///< Ingest requests served.
  latency_histogram ack_latency;   ///< Ingest request start to its 200 (api/metrics.hpp).
  latency_histogram push_latency;  ///< Causing event received to its change queued to a client.
  std::shared_ptr<const std::atomic<std::uint64_t>> dedup_hits;  ///< Retries applied once.
};

/// What the HTTP handlers reach: the actors, the dead-letter store and the config the
/// node was started with. Owned by the node; handlers hold a reference.
struct services {
  caf::actor_system& system;
  const config::config& cfg;
  /// The one door to any user's state, wherever it lives (actors/locator.hpp).
  actors::locator locator;
  /// This node's directory shards now (a cluster node's change with its partitions):
  /// its own counters (/metrics, /admin/api/nodes, console).
  std::function<std::vector<caf::actor>()> shards;
  caf::actor ingest;     ///< Takes decoded events; answers once they are durable.
  caf::actor publisher;  ///< Change events fan-out (actors/publisher_actor.hpp).
  storage::dead_letters& letters;
  codecs::event_types types;
  std::vector<codecs::mapping_rule> mappings;
  std::int64_t started_ms = 0;
  std::shared_ptr<actors::model_holder> model;  ///< Rules, score model, placements.
  actors::model_reloader& reloader;
  std::shared_ptr<actors::flow_control> flow;  ///< Admission: acknowledged, not yet applied.
  /// The identity graph this node reads, for its refusals and counters; resolving an id
  /// goes through the locator.
  std::shared_ptr<const actors::identity_graph> identities;
  node_counters counters;
  std::string listen;  ///< The address actually bound (port resolved).
  std::atomic<bool> ready{false};  ///< Recovery replay done (/readyz).
  /// More /metrics families from parts outside api/ (webhooks, Kafka connectors).
  std::vector<std::function<void(prometheus_writer&)>> metric_writers{};
  /// Kafka sources and sinks (connectors/), when configured: their status document
  /// (/admin/api/kafka, the console).
  std::function<std::string()> kafka_status{};
  /// The feedback loop (SPEC 5): `record_decision` keeps a decision for attribution and
  /// calls back once it is kept or with why not (a write to the local store on a single
  /// node, an append to the feedback log in a cluster), the learner actor counts
  /// outcomes, and `posteriors` is what Thompson draws read.
  std::function<void(const actors::decision_record&, std::function<void(result<bool>)>)>
    record_decision{};
  caf::actor learner{};
  std::shared_ptr<actors::posterior_board> posteriors{};
};


/// Registers /v1/batch, /v1/<call> and /v1/events.
void add_ingest_api(http::http_router& router, services& svc);
/// Registers /v1/profiles/{userId}.
void add_query_api(http::http_router& router, services& svc);
/// Registers /v1/personalize.
void add_decision_api(http::http_router& router, services& svc);
/// Registers POST /v1/outcomes and GET /admin/api/experiments.
void add_outcomes_api(http::http_router& router, services& svc);
/// Registers GET /admin/api/models/score and POST /admin/api/models/score/rollback.
void add_models_api(http::http_router& router, services& svc);
/// Registers /healthz, /readyz and /admin/api/*.
void add_admin_api(http::http_router& router, services& svc);

} // namespace cohort::api
