// Segment HTTP Tracking API (/v1/batch, /v1/<call>) and native /v1/events ingestion.
// Handlers decode on the HTTP thread, store rejected messages as dead letters, and hand
// the valid events to the ingest actor; the 200 waits for its acknowledgement.

#include <functional>
#include <memory>

#include <caf/actor_system.hpp>

#include "actors/messages.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/native_decoder.hpp"
#include "codecs/segment_decoder.hpp"
#include "codecs/time.hpp"
#include "api/ask.hpp"
#include "http/auth.hpp"
#include "api/cors_policy.hpp"
#include "http/http_request_parse.hpp"
#include "http/http_router.hpp"
#include "api/rate_limiter.hpp"
#include "api/segment_paths.hpp"
#include "api/services.hpp"

namespace cohort::api {

using namespace cohort::http;
using namespace cohort::storage;

namespace {

/// Decodes a plain body; the content type picks the format where an endpoint has several.
using decoder = std::function<result<codecs::decoded_batch>(
  const std::string& body, std::string_view content_type, const codecs::decode_context&)>;

std::string rejection_body(std::size_t accepted, const std::vector<codecs::rejection>& rejected) {
  codecs::json_writer w;
  w.begin_object().key("success").value(false).key("accepted").value(std::uint64_t{accepted});
  w.key("rejected").begin_array();
  for (const auto& r : rejected)
    w.begin_object().key("index").value(std::uint64_t{r.index}).key("reason").value(r.reason)
      .end_object();
  w.end_array().end_object();
  return w.take();
}

/// Stores every rejection as a dead letter; false (with a 500 sent) when the store fails,
/// since answering 400 would claim the message was kept.
bool keep_rejections(services& svc, const std::string& source,
                     const std::vector<codecs::rejection>& rejected, std::int64_t now) {
  if (rejected.empty())
    return true;
  std::vector<dead_letter> letters;
  letters.reserve(rejected.size());
  for (const auto& r : rejected)
    letters.push_back({0, now, source, r.reason, r.raw});
  auto stored = svc.letters.append(std::move(letters));
  if (stored)
    svc.counters.rejected += rejected.size();
  return static_cast<bool>(stored);
}

/// Hands the batch to the ingest actor and answers; `refund` runs when it is refused there
/// (nothing acknowledged), so that the retry is not charged twice by the rate limit.
void acknowledge(services& svc, codecs::decoded_batch batch, std::function<void()> refund,
                 respond_fn respond) {
  auto accepted = batch.events.size();
  auto rejected = std::make_shared<std::vector<codecs::rejection>>(std::move(batch.rejected));
  if (accepted == 0) {
    respond(json_response(rejection_body(0, *rejected), 400));
    return;
  }
  ask<std::uint64_t>(
    svc.system, svc.ingest, svc.cfg.ingest.request_timeout,
    [&svc, accepted, rejected, refund, respond](caf::expected<std::uint64_t> ack) {
      if (!ack) {
        refund();
        auto res = error_response(503, "not acknowledged: " + svc.system.render(ack.error()));
        res.headers.emplace_back("Retry-After", "1");
        respond(std::move(res));
        return;
      }
      svc.counters.accepted += accepted;
      if (rejected->empty())
        respond(json_response(R"({"success":true})"));
      else
        respond(json_response(rejection_body(accepted, *rejected), 400));
    },
    actors::ingest_atom::value, std::move(batch.events));
}

/// 429 when `key` is past its rate, or when the batch is larger than the whole burst
/// (no wait lets it pass: said so, without Retry-After). Nothing of the request is kept
/// (no dead letters either), so the client's retry is the first copy stored.
std::optional<http_response> refuse_by_rate(rate_limiter& limiter, std::string_view key,
                                            std::size_t events) {
  auto refusal = limiter.take(key, events);
  if (!refusal)
    return std::nullopt;
  if (refusal->too_large)
    return error_response(429, "rate limit: a batch of " + std::to_string(events)
                                 + " events is larger than http.rate_limit.burst allows at "
                                   "once; send it in smaller batches");
  auto res = error_response(429, "rate limit: this write key sends more events per second "
                                 "than http.rate_limit allows; retry after Retry-After");
  res.headers.emplace_back("Retry-After", std::to_string(refusal->retry_after.count()));
  return res;
}

/// What ingest shares between its endpoints: the per-key rate limit and the origins.
struct ingest_guards {
  explicit ingest_guards(const config::config& cfg)
    : limiter(cfg.http.rate_limit.events_per_second, cfg.http.rate_limit.burst),
      cors(cfg.ingest.cors) {
  }
  rate_limiter limiter;
  cors_policy cors;
};

/// Answers with the CORS headers that let a page of `origin` read the answer, once the
/// write key is known (`key` is filled in after decoding; until then the default
/// origins apply).
respond_fn with_cors(std::shared_ptr<const ingest_guards> guards, std::string origin,
                     std::shared_ptr<std::string> key, respond_fn respond) {
  if (origin.empty())
    return respond;
  return [guards, origin = std::move(origin), key, respond](http_response res) {
    guards->cors.expose(origin, *key, res);
    respond(std::move(res));
  };
}

http_handler ingest_handler(services& svc, decoder decode,
                            std::shared_ptr<ingest_guards> guards) {
  return [&svc, decode = std::move(decode), guards](http_request&& req, respond_fn respond) {
    ++svc.counters.requests;
    auto origin = std::string(req.header("origin"));
    auto used_key = std::make_shared<std::string>();
    respond = with_cors(guards, origin, used_key,
                        timed_ok(svc.counters.ack_latency, std::move(respond)));
    auto& keys = svc.cfg.ingest.write_keys;
    auto keyed = read_keyed_body(req, keys, svc.cfg.ingest.max_body_bytes);
    if (!keyed) {
      respond(error_response(keyed.error().status, keyed.error().reason));
      return;
    }
    const auto& basic = keyed->basic;
    auto now = codecs::now_ms();
    codecs::decode_context ctx{now, &svc.types, svc.cfg.ingest.max_message_bytes};
    auto batch = decode(keyed->body, req.header("content-type"), ctx);
    if (!batch) {
      respond(error_response(batch.error().status, batch.error().reason));
      return;
    }
    if (!basic && batch->write_key.empty())
      batch->write_key = req.param("writeKey");  // RudderStack's beacons carry it there
    if (!basic && !write_key_allowed(keys, batch->write_key)) {
      respond(error_response(401, batch->write_key.empty()
                                    ? "missing write key (Basic auth or writeKey)"
                                    : "unknown write key"));
      return;
    }
    *used_key = basic ? *basic : batch->write_key;
    // A page may send a simple request (text/plain, a beacon) whatever CORS says: the
    // origin is refused here, before anything is kept.
    if (!origin.empty() && !guards->cors.allows(origin, *used_key)) {
      respond(error_response(403, "origin '" + origin
                                    + "' may not send events with this write key (ingest.cors)"));
      return;
    }
    // With auth off anyone can name any key: one shared bucket keeps the map bounded.
    const auto rate_key = keys.empty() ? std::string_view{} : std::string_view(*used_key);
    auto messages = batch->events.size() + batch->rejected.size();
    if (auto refused = refuse_by_rate(guards->limiter, rate_key, messages)) {
      respond(std::move(*refused));
      return;
    }
    // Refused after this point, the request changed nothing: its tokens go back.
    auto refund = [guards, key = std::string(rate_key), messages] {
      guards->limiter.give_back(key, messages);
    };
    // Admission comes before anything is kept, so a refused request changes nothing and
    // its retry is not recorded twice. The session actors release the room once applied.
    auto count = static_cast<std::int64_t>(batch->events.size());
    if (count > 0 && !svc.flow->try_admit(count)) {
      refund();
      auto res = error_response(503, "overloaded: too many events waiting to be applied");
      res.headers.emplace_back("Retry-After", "1");
      respond(std::move(res));
      return;
    }
    if (!keep_rejections(svc, req.path, batch->rejected, now)) {
      svc.flow->release(count);
      refund();
      respond(error_response(500, "dead-letter store unavailable; nothing was accepted"));
      return;
    }
    acknowledge(svc, std::move(*batch), std::move(refund), std::move(respond));
  };
}

/// Segment bodies are JSON whatever the content type says: RudderStack's SDK sends gzip
/// JSON labelled application/x-www-form-urlencoded.
decoder segment_decoder(codecs::segment_call call) {
  return [call](const std::string& body, std::string_view, const codecs::decode_context& ctx) {
    return codecs::decode_segment(body, call, ctx);
  };
}

decoder native_decoder(const services& svc) {
  return [&svc](const std::string& body, std::string_view type,
                const codecs::decode_context& ctx) -> result<codecs::decoded_batch> {
    if (type.find("msgpack") != std::string_view::npos)
      return codecs::decode_native(body, codecs::native_format::msgpack, svc.mappings, ctx);
    if (type.empty() || type.find("json") != std::string_view::npos)
      return codecs::decode_native(body, codecs::native_format::json, svc.mappings, ctx);
    return failure{415, "unsupported Content-Type '" + std::string(type)
                          + "' (use application/json or application/msgpack)"};
  };
}

/// Serves `path` with `handler`, and its CORS preflight.
void add_ingest_path(http_router& router, const std::string& path, http_handler handler,
                     std::shared_ptr<const ingest_guards> guards) {
  router.add("POST", path, std::move(handler));
  router.add("OPTIONS", path, [guards](http_request&& req, respond_fn respond) {
    respond(guards->cors.preflight(req));
  });
}

} // namespace

void add_ingest_api(http_router& router, services& svc) {
  using codecs::segment_call;
  auto guards = std::make_shared<ingest_guards>(svc.cfg);
  for (auto [path, call] : segment_paths)
    add_ingest_path(router, std::string(path), ingest_handler(svc, segment_decoder(call), guards),
                    guards);
  add_ingest_path(router, "/v1/events", ingest_handler(svc, native_decoder(svc), guards), guards);
}

} // namespace cohort::api
