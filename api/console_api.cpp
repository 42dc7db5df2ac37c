// The console's static files, /admin/api/stats and /admin/api/rules, and the wiring of
// the other console endpoints (api/console_api.hpp).

#include "api/console_api.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <caf/actor_system.hpp>

#include "actors/directory_actor.hpp"
#include "actors/publisher_actor.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "config/loader.hpp"
#include "api/admin_guard.hpp"
#include "api/ask.hpp"
#include "http/auth.hpp"
#include "http/http_router.hpp"
#include "api/inspect_stream.hpp"
#include "actors/model_loader.hpp"
#include "api/services.hpp"
#include "api/stream_context.hpp"

namespace cohort::api {

using namespace cohort::http;
using namespace cohort::storage;

namespace {

constexpr std::string_view console_prefix = "/console/";

std::string content_type_of(std::string_view path) {
  auto dot = path.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  if (ext == "html")
    return "text/html; charset=utf-8";
  if (ext == "js")
    return "text/javascript; charset=utf-8";
  if (ext == "css")
    return "text/css; charset=utf-8";
  if (ext == "svg")
    return "image/svg+xml";
  return "application/octet-stream";
}

/// Serves the embedded files; /console and /console/ are index.html. The console is a
/// single page with hash routes, so no other path needs to fall back to it.
http_handler static_files(const std::vector<console_asset>& assets) {
  auto files = std::make_shared<std::unordered_map<std::string, std::string_view>>();
  for (const auto& a : assets)
    files->emplace(std::string(a.path), a.body);
  return [files](http_request&& req, respond_fn respond) {
    std::string_view path = req.path;
    auto rel = path.size() <= console_prefix.size() ? std::string("index.html")
                                                    : std::string(path.substr(console_prefix.size()));
    auto it = files->find(rel);
    if (it == files->end()) {
      respond(error_response(404, "no such console file: " + rel));
      return;
    }
    http_response res;
    res.content_type = content_type_of(rel);
    res.body = std::string(it->second);
    // Revalidated on every load: a rebuilt cohortd must never be shown a stale script.
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    respond(std::move(res));
  };
}

void write_latency(codecs::json_writer& w, const char* key, const histogram_snapshot& h) {
  w.key(key).begin_object();
  w.key("count").value(h.count).key("sumSeconds").value(h.sum_seconds);
  w.key("p50").value(h.quantile(0.5)).key("p90").value(h.quantile(0.9));
  w.key("p99").value(h.quantile(0.99));
  w.key("bounds").begin_array();
  for (double b : latency_bounds)
    w.value(b);
  w.end_array().key("buckets").begin_array();
  for (auto n : h.buckets)
    w.value(n);
  w.end_array().end_object();
}

std::string stats_json(const services& svc, const std::vector<actors::directory_stats>& shards,
                       const actors::publisher_stats& pub) {
  const auto total = actors::sum_of(shards);
  const auto now = codecs::now_ms();
  const auto& c = svc.counters;
  codecs::json_writer w;
  w.begin_object().key("at").value(codecs::format_iso8601(now)).key("atMs").value(now);
  w.key("node").begin_object().key("id").value(svc.cfg.node.id).key("state").value("up");
  w.key("version").value(COHORT_VERSION).key("listen").value(svc.listen);
  w.key("startedAt").value(codecs::format_iso8601(svc.started_ms));
  w.key("uptimeSeconds").value(static_cast<std::int64_t>((now - svc.started_ms) / 1000));
  w.end_object();
  w.key("actors").begin_object().key("live").value(total.live).key("spawned").value(total.spawned);
  w.key("passivated").value(total.passivated).key("evicted").value(total.evictions).end_object();
  w.key("events").begin_object().key("accepted").value(c.accepted.load());
  w.key("rejected").value(c.rejected.load()).key("requests").value(c.requests.load());
  w.key("dedupHits").value(c.dedup_hits->load()).end_object();
  w.key("rejects").begin_object();
  for (const auto& [reason, n] : svc.letters.reasons().read())
    w.key(reason).value(n);
  w.end_object();
  w.key("deadLetters").value(svc.letters.total());
  w.key("stream").begin_object().key("subscribers").value(pub.subscribers);
  w.key("published").value(pub.published).key("delivered").value(pub.delivered).end_object();
  w.key("model").begin_object().key("version").value(svc.model->get()->version).end_object();
  write_latency(w, "ackLatency", c.ack_latency.read());
  write_latency(w, "pushLatency", c.push_latency.read());
  w.end_object();
  return w.take();
}

void stats(services& svc, http_request&&, respond_fn respond) {
  const auto timeout = console_timeout(svc);
  ask_all<actors::directory_stats>(
    svc.system, svc.shards(), timeout,
    [&svc, respond, timeout](caf::expected<std::vector<actors::directory_stats>> shards) {
      if (!shards) {
        respond(error_response(503, "stats unavailable: " + svc.system.render(shards.error())));
        return;
      }
      ask<actors::publisher_stats>(
        svc.system, svc.publisher, timeout,
        [&svc, respond, shards = *shards](caf::expected<actors::publisher_stats> pub) {
          respond(json_response(stats_json(svc, shards, pub ? *pub : actors::publisher_stats{})));
        },
        actors::stats_atom::value);
    },
    actors::stats_atom::value);
}

void write_rules(codecs::json_writer& w, const char* key, const std::vector<config::rule>& rules) {
  w.key(key).begin_array();
  for (const auto& r : rules)
    w.begin_object().key("name").value(r.name).key("when").value(r.when).key("line").value(r.line)
      .end_object();
  w.end_array();
}

void write_names(codecs::json_writer& w, const char* key, const std::vector<std::string>& names) {
  w.key(key).begin_array();
  for (const auto& n : names)
    w.value(n);
  w.end_array();
}

/// The top-level `score:`, `tags:` and `segments:` sections of a config file, comments
/// included. Only these: the rest of the file holds secrets (tokens, write keys).
std::string rules_excerpt(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  bool keep = false;
  for (std::string line; std::getline(in, line);) {
    const bool top_level_key = !line.empty() && line[0] != ' ' && line[0] != '#'
                               && line[0] != '-' && line.find(':') != std::string::npos;
    if (top_level_key)
      keep = line.rfind("score:", 0) == 0 || line.rfind("tags:", 0) == 0
             || line.rfind("segments:", 0) == 0;
    if (keep)
      out += line + "\n";
  }
  return out;
}

/// The rules as the file on disk has them now (what a reload would apply) and the names
/// and version of the rules running.
void rules(services& svc, http_request&&, respond_fn respond) {
  const auto& path = svc.cfg.source_path;
  std::string text;
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  auto running = svc.model->get();
  codecs::json_writer w;
  w.begin_object().key("path").value(path).key("version").value(running->version);
  w.key("running").begin_object();
  write_names(w, "tags", running->rules->tag_names());
  write_names(w, "segments", running->rules->segment_names());
  w.end_object();
  w.key("text").value(rules_excerpt(text));
  auto file = config::load_text(text, path.empty() ? "(defaults)" : path);
  std::vector<std::string> errors;
  for (const auto& e : file.errors)
    errors.push_back(e.to_string(path));
  if (file.ok())
    actors::build_model(file.cfg, running->version + 1, errors);  // rule errors, as a reload would
  write_names(w, "fileErrors", errors);
  write_rules(w, "tags", file.ok() ? file.cfg.tags : svc.cfg.tags);
  write_rules(w, "segments", file.ok() ? file.cfg.segments : svc.cfg.segments);
  w.key("score").begin_object().key("model").value(file.cfg.score.model).key("weights").begin_object();
  for (const auto& [feature, weight] : file.cfg.score.weights)
    w.key(feature).value(weight);
  w.end_object().key("caps").begin_object();
  for (const auto& [feature, cap] : file.cfg.score.caps)
    w.key(feature).value(cap);
  w.end_object().end_object().end_object();
  respond(json_response(w.take()));
}

/// Tells the console whether it needs a token and whether the one it sent is right,
/// always with 200: a browser logs every 401 as an error, and the console checks a
/// token typed by a person before it uses it.
void session(services& svc, http_request&& req, respond_fn respond) {
  const auto& token = svc.cfg.admin.token;
  codecs::json_writer w;
  w.begin_object().key("tokenRequired").value(!token.empty());
  w.key("authorized").value(bearer_allowed(token, req.header("authorization")));
  w.key("node").value(svc.cfg.node.id).end_object();
  respond(json_response(w.take()));
}

} // namespace

std::chrono::milliseconds console_timeout(const services& svc) {
  return std::min<std::chrono::milliseconds>(svc.cfg.ingest.request_timeout,
                                             std::chrono::seconds(5));
}

void add_console_api(http_router& router, services& svc, storage::store& db,
                     const std::vector<console_asset>& assets) {
  auto files = static_files(assets);
  router.add("GET", "/console", files);
  router.add_prefix("GET", std::string(console_prefix), files);
  router.add("GET", "/admin/api/session", [&svc](http_request&& r, respond_fn f) {
    session(svc, std::move(r), std::move(f));
  });
  const auto& token = svc.cfg.admin.token;
  router.add("GET", "/admin/api/stats", admin_guarded(token, [&svc](http_request&& r, respond_fn f) {
               stats(svc, std::move(r), std::move(f));
             }));
  router.add("GET", "/admin/api/rules", admin_guarded(token, [&svc](http_request&& r, respond_fn f) {
               rules(svc, std::move(r), std::move(f));
             }));
  add_actors_api(router, svc);
  add_metrics_api(router, svc, db);
}

void add_console_stream(stream_context& stream, services& svc) {
  stream.inspect = std::make_shared<inspect_context>(
    inspect_context{svc.locator, svc.cfg.admin.token, std::chrono::milliseconds(500), console_timeout(svc)});
  stream.push_latency = &svc.counters.push_latency;
}

} // namespace cohort::api
