// GET /metrics: the node's counters, latency histograms, actor counts and RocksDB
// statistics in Prometheus text format. Open like /healthz: scrapers carry no token and
// the numbers hold no user data.

#include <iterator>

#include <caf/actor_system.hpp>

#include "actors/directory_actor.hpp"
#include "codecs/time.hpp"
#include "api/ask.hpp"
#include "api/console_api.hpp"
#include "http/http_router.hpp"
#include "api/metrics.hpp"
#include "api/services.hpp"
#include "storage/store.hpp"

namespace cohort::api {

using namespace cohort::http;
using namespace cohort::storage;

namespace {

/// Column family names as storage/store.cpp creates them, in enum order.
constexpr const char* family_labels[] = {"events", "snapshots", "dedup", "deadletters",
                                         "identity", "meta", "webhooks", "decisions"};
static_assert(std::size(family_labels) == static_cast<std::size_t>(family::count_),
              "a column family was added: name it here too");

void write_counters(prometheus_writer& w, const services& svc) {
  const auto& c = svc.counters;
  w.family("cohort_events_accepted_total", "counter", "Events acknowledged to clients.")
    .sample("cohort_events_accepted_total", static_cast<double>(c.accepted.load()));
  w.family("cohort_events_rejected_total", "counter",
           "Messages kept as dead letters since start (invalid or late), by reason class.");
  for (const auto& [reason, n] : svc.letters.reasons().read())
    w.sample("cohort_events_rejected_total", static_cast<double>(n), {{"reason", reason}});
  w.family("cohort_dedup_hits_total", "counter",
           "Retried events recognised by messageId and not applied again.")
    .sample("cohort_dedup_hits_total", static_cast<double>(c.dedup_hits->load()));
  w.family("cohort_ingest_requests_total", "counter", "Ingest HTTP requests served.")
    .sample("cohort_ingest_requests_total", static_cast<double>(c.requests.load()));
  w.family("cohort_dead_letters_stored", "gauge", "Dead letters stored since the store was created, pruned ones included.")
    .sample("cohort_dead_letters_stored", static_cast<double>(svc.letters.total()));
}

void write_node(prometheus_writer& w, const services& svc,
                const std::vector<actors::directory_stats>& shards) {
  const auto total = actors::sum_of(shards);
  w.family("cohort_actors_live", "gauge", "Session actors alive now.")
    .sample("cohort_actors_live", static_cast<double>(total.live));
  w.family("cohort_actors_spawned_total", "counter",
           "Session actors spawned or revived from disk since start.")
    .sample("cohort_actors_spawned_total", static_cast<double>(total.spawned));
  w.family("cohort_actors_passivated_total", "counter",
           "Session actors written to disk and stopped (idle or over the cap), since start.")
    .sample("cohort_actors_passivated_total", static_cast<double>(total.passivated));
  w.family("cohort_actors_evicted_total", "counter",
           "Session actors told to passivate because their shard reached sessions.max_live.")
    .sample("cohort_actors_evicted_total", static_cast<double>(total.evictions));
  w.family("cohort_uptime_seconds", "gauge", "Seconds since the node started.")
    .sample("cohort_uptime_seconds",
            static_cast<double>(codecs::now_ms() - svc.started_ms) / 1000.0);
  w.family("cohort_model_version", "gauge", "Version of the running rules and score model.")
    .sample("cohort_model_version", static_cast<double>(svc.model->get()->version));
  w.family("cohort_build_info", "gauge", "Always 1; the version as a label.")
    .sample("cohort_build_info", 1, {{"version", COHORT_VERSION}, {"node", svc.cfg.node.id}});
}

void write_latencies(prometheus_writer& w, const services& svc) {
  w.histogram("cohort_ack_latency_seconds",
              "Ingest request received to acknowledged (200), in seconds.",
              svc.counters.ack_latency.read());
  w.histogram("cohort_push_latency_seconds",
              "Causing event received to its change queued for a WebSocket client, in seconds.",
              svc.counters.push_latency.read());
}

/// One gauge family per RocksDB property, a sample per column family.
void write_rocksdb(prometheus_writer& w, store& db) {
  struct property {
    const char* rocksdb_name;
    const char* metric;
    const char* help;
  };
  constexpr property properties[] = {
    {"rocksdb.estimate-num-keys", "cohort_rocksdb_estimated_keys",
     "Estimated keys per column family."},
    {"rocksdb.total-sst-files-size", "cohort_rocksdb_sst_files_bytes",
     "Size of all SST files per column family."},
    {"rocksdb.cur-size-all-mem-tables", "cohort_rocksdb_memtable_bytes",
     "Size of the active and unflushed memtables per column family."},
  };
  for (const auto& p : properties) {
    w.family(p.metric, "gauge", p.help);
    for (std::size_t i = 0; i < std::size(family_labels); ++i) {
      std::uint64_t value = 0;
      if (db.db().GetIntProperty(db.handle(static_cast<family>(i)), p.rocksdb_name, &value))
        w.sample(p.metric, static_cast<double>(value), {{"cf", family_labels[i]}});
    }
  }
}

} // namespace

void add_metrics_api(http_router& router, services& svc, store& db) {
  router.add("GET", "/metrics", [&svc, &db](http_request&&, respond_fn respond) {
    ask_all<actors::directory_stats>(
      svc.system, svc.shards(), console_timeout(svc),
      [&svc, &db, respond](caf::expected<std::vector<actors::directory_stats>> shards) {
        if (!shards) {
          respond(error_response(503, "metrics unavailable: " + svc.system.render(shards.error())));
          return;
        }
        prometheus_writer w;
        write_counters(w, svc);
        write_node(w, svc, *shards);
        write_latencies(w, svc);
        write_rocksdb(w, db);
        for (const auto& write : svc.metric_writers)
          write(w);
        http_response res;
        res.content_type = prometheus_content_type;
        res.body = w.take();
        respond(std::move(res));
      },
      actors::stats_atom::value);
  });
}

} // namespace cohort::api
