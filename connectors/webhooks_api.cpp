#include "connectors/webhooks_api.hpp"

#include "api/admin_guard.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "connectors/delivery_policy.hpp"
#include "http/http_router.hpp"

namespace cohort::connectors {

namespace {

void write_time(codecs::json_writer& w, const char* key, std::int64_t ms) {
  w.key(key);
  if (ms == 0)
    w.null();
  else
    w.value(codecs::format_iso8601(ms));
}

const char* breaker_name(int state) {
  return to_string(static_cast<circuit_breaker::state>(state));
}

} // namespace

std::string webhooks_json(const webhook_senders* senders) {
  codecs::json_writer w;
  w.begin_object().key("webhooks").begin_array();
  if (senders != nullptr) {
    for (const auto& s : senders->statuses()) {
      const auto [error, error_ms] = s->last_error();
      w.begin_object();
      w.key("url").value(s->url);
      w.key("events").begin_array();
      for (const auto& e : s->events)
        w.value(e);
      w.end_array();
      w.key("queued").value(s->queued.load());
      w.key("inFlight").value(s->in_flight.load());
      w.key("delivered").value(s->delivered.load());
      w.key("failures").value(s->failures.load());
      w.key("dropped").value(s->dropped.load());
      w.key("abandoned").value(s->abandoned.load());
      w.key("breaker").value(breaker_name(s->breaker.load()));
      w.key("lastError");
      if (error.empty())
        w.null();
      else
        w.value(error);
      write_time(w, "lastErrorAt", error_ms);
      write_time(w, "lastDeliveredAt", s->last_delivered_ms.load());
      w.end_object();
    }
  }
  w.end_array().end_object();
  return w.take();
}

void add_webhooks_api(http::http_router& router, const std::string& admin_token,
                      std::shared_ptr<const webhook_senders> senders) {
  router.add("GET", "/admin/api/webhooks",
             api::admin_guarded(admin_token, [senders](http::http_request&&, http::respond_fn respond) {
               respond(http::json_response(webhooks_json(senders.get())));
             }));
}

void write_webhook_metrics(api::prometheus_writer& w, const webhook_senders& senders) {
  const auto statuses = senders.statuses();
  struct gauge {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t (*read)(const webhook_status&);
  };
  static const gauge gauges[] = {
    {"cohort_webhook_queued", "gauge", "Changes waiting for the destination (on disk; in a cluster, read from the changes topic).",
     [](const webhook_status& s) { return s.queued.load(); }},
    {"cohort_webhook_in_flight", "gauge", "Webhook requests open now.",
     [](const webhook_status& s) { return s.in_flight.load(); }},
    {"cohort_webhook_delivered_total", "counter", "Changes answered 2xx since start.",
     [](const webhook_status& s) { return s.delivered.load(); }},
    {"cohort_webhook_failures_total", "counter", "Failed attempts since start (retried).",
     [](const webhook_status& s) { return s.failures.load(); }},
    {"cohort_webhook_dropped_total", "counter",
     "Oldest changes dropped past max_queued since start.",
     [](const webhook_status& s) { return s.dropped.load(); }},
    {"cohort_webhook_abandoned_total", "counter",
     "Changes given up after max_attempts since start.",
     [](const webhook_status& s) { return s.abandoned.load(); }},
    {"cohort_webhook_breaker_open", "gauge",
     "Circuit breaker state: 0 closed, 1 open, 2 half-open.",
     [](const webhook_status& s) { return static_cast<std::uint64_t>(s.breaker.load()); }},
  };
  for (const auto& g : gauges) {
    w.family(g.name, g.type, g.help);
    for (const auto& s : statuses)
      w.sample(g.name, static_cast<double>(g.read(*s)), {{"url", s->url}});
  }
}

} // namespace cohort::connectors
