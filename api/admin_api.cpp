// Health probes and the admin API (/admin/api/*), guarded by admin.token.

#include <algorithm>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/directory_actor.hpp"
#include "actors/messages.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "api/admin_guard.hpp"
#include "api/deadletter_replay.hpp"
#include "api/ask.hpp"
#include "http/http_router.hpp"
#include "api/services.hpp"

namespace cohort::api {

using namespace cohort::http;
using namespace cohort::storage;

namespace {

/// Refuses the request with 401 unless it carries the admin Bearer token.
http_handler guarded(services& svc, http_handler inner) {
  return admin_guarded(svc.cfg.admin.token, std::move(inner));
}

std::string nodes_json(const services& svc, const std::vector<actors::directory_stats>& shards) {
  const auto total = actors::sum_of(shards);
  auto now = codecs::now_ms();
  codecs::json_writer w;
  // "mode" tells a console or cohortctl which shape follows (cluster/cluster_api.cpp
  // answers the same path with "mode":"cluster").
  w.begin_object().key("mode").value("single").key("nodes").begin_array().begin_object();
  w.key("id").value(svc.cfg.node.id);
  w.key("listen").value(svc.listen);
  w.key("state").value("up");
  w.key("version").value(COHORT_VERSION);
  w.key("startedAt").value(codecs::format_iso8601(svc.started_ms));
  w.key("uptimeSeconds").value(static_cast<std::int64_t>((now - svc.started_ms) / 1000));
  w.key("liveActors").value(total.live);
  w.key("spawnedActors").value(total.spawned);
  w.key("passivatedActors").value(total.passivated);
  w.key("evictedActors").value(total.evictions);
  w.key("eventsAccepted").value(svc.counters.accepted.load());
  w.key("eventsRejected").value(svc.counters.rejected.load());
  w.key("ingestRequests").value(svc.counters.requests.load());
  w.end_object().end_array().end_object();
  return w.take();
}

void nodes(services& svc, http_request&&, respond_fn respond) {
  ask_all<actors::directory_stats>(
    svc.system, svc.shards(), svc.cfg.ingest.request_timeout,
    [&svc, respond](caf::expected<std::vector<actors::directory_stats>> stats) {
      if (stats)
        respond(json_response(nodes_json(svc, *stats)));
      else
        respond(error_response(503, "node stats unavailable: " + svc.system.render(stats.error())));
    },
    actors::stats_atom::value);
}

void deadletters(services& svc, http_request&& req, respond_fn respond) {
  std::size_t limit = 100;
  if (auto text = req.param("limit"); !text.empty()) {
    try {
      limit = std::clamp<std::size_t>(std::stoul(text), 1, 10000);
    } catch (const std::exception&) {
      respond(error_response(400, "limit must be a positive integer"));
      return;
    }
  }
  codecs::json_writer w;
  w.begin_object().key("total").value(svc.letters.total()).key("deadLetters").begin_array();
  for (const auto& l : svc.letters.newest(limit)) {
    w.begin_object().key("id").value(l.id).key("at").value(codecs::format_iso8601(l.at_ms));
    w.key("source").value(l.source).key("reason").value(l.reason).key("raw").value(l.raw);
    w.end_object();
  }
  w.end_array().end_object();
  respond(json_response(w.take()));
}

void reload(services& svc, http_request&&, respond_fn respond) {
  auto outcome = svc.reloader.reload();
  codecs::json_writer w;
  w.begin_object().key("applied").value(outcome.applied).key("version").value(outcome.version);
  w.key("errors").begin_array();
  for (const auto& e : outcome.errors)
    w.value(e);
  w.end_array().end_object();
  respond(json_response(w.take(), outcome.applied ? 200 : 400));
}

} // namespace

void add_admin_api(http_router& router, services& svc) {
  auto ok = [](http_request&&, respond_fn respond) { respond(json_response(R"({"status":"ok"})")); };
  router.add("GET", "/healthz", ok);
  router.add("GET", "/readyz", [&svc](http_request&&, respond_fn respond) {
    if (svc.ready)
      respond(json_response(R"({"status":"ready"})"));
    else
      respond(error_response(503, "recovering: replaying the event log"));
  });
  router.add("GET", "/admin/api/nodes", guarded(svc, [&svc](http_request&& r, respond_fn f) {
               nodes(svc, std::move(r), std::move(f));
             }));
  router.add("GET", "/admin/api/deadletters",
             guarded(svc, [&svc](http_request&& r, respond_fn f) {
               deadletters(svc, std::move(r), std::move(f));
             }));
  router.add("POST", "/admin/api/deadletters/replay",
             guarded(svc, [&svc](http_request&& r, respond_fn f) {
               replay_dead_letters(svc, std::move(r), std::move(f));
             }));
  router.add("POST", "/admin/api/reload", guarded(svc, [&svc](http_request&& r, respond_fn f) {
               reload(svc, std::move(r), std::move(f));
             }));
  // Kafka sources (per-partition lag) and sinks; empty lists when none are configured.
  router.add("GET", "/admin/api/kafka", guarded(svc, [&svc](http_request&&, respond_fn f) {
               f(json_response(svc.kafka_status ? svc.kafka_status()
                                                : R"({"sources":[],"sinks":[]})"));
             }));
}

} // namespace cohort::api
