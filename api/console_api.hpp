#pragma once

// The admin console and observability endpoints (SPEC 8, issue 7):
//   /console, /console/*            static files (embedded at build time; public: they
//                                   hold no data, and a browser cannot send a Bearer
//                                   header on navigation; all data comes from the API)
//   /admin/api/session              whether a token is needed and the one sent is right
//                                   (open; always 200, so that a browser logs no error)
//   /admin/api/stats                overview counters and latency histograms (JSON)
//   /admin/api/actors               paged, filtered list of live session actors
//   /admin/api/actors/{userId}      one actor's profile and mailbox depth
//   /admin/api/segments             segment sizes and tag counts over live actors
//   /admin/api/rules                the rules file and the running model version
//   /metrics                        Prometheus text format
// The other /admin/api/* answer 401 without the admin token when one is set.

#include <chrono>
#include <string_view>
#include <vector>

namespace cohort::storage {
class store;
}

namespace cohort::http {
class http_router;
}

namespace cohort::api {

struct services;
struct stream_context;

/// One static file of the console.
struct console_asset {
  std::string_view path;  ///< Relative to the console's folder: "index.html", "js/app.js".
  std::string_view body;
};

/// Registers every endpoint above, serving `files` under /console. `db` is read for
/// RocksDB statistics.
void add_console_api(http::http_router& router, services& svc, storage::store& db,
                     const std::vector<console_asset>& files);

/// Lets /v1/stream serve the console's inspect op and record push latency.
void add_console_stream(stream_context& stream, services& svc);

/// Registers /admin/api/actors, /admin/api/actors/{userId} and /admin/api/segments.
void add_actors_api(http::http_router& router, services& svc);

/// The deadline of the console's requests to actors: short, since a person waits.
std::chrono::milliseconds console_timeout(const services& svc);

/// Registers /metrics.
void add_metrics_api(http::http_router& router, services& svc, storage::store& db);

} // namespace cohort::api
