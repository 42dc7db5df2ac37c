// Fuzzes HTTP request handling as a plain-HTTP connection of the node does it, minus the
// socket and the actors: the input is the byte stream a client sends on one connection.
//
//  - Parsing: Beast's request_parser<string_body> with the limits http/http_connection.hpp
//    sets (body = ingest.max_body_bytes, header = http.max_header_bytes, the defaults), read
//    with http::read_header then http::read like the connection, the stream delivering the
//    bytes in uneven chunks (1, 7, 64, 4096, ...) so that every split point gets parsed;
//    kept-alive requests follow each other as on a real connection.
//  - Read errors answered like connection::on_read_error (413, 431, 400 or close).
//  - http/http_request_parse (to_request, plain_body: what the server itself calls),
//    then the real http_router with the node's route table.
//  - The ingest routes run the decode path of api/ingest_api.cpp: Basic auth and write
//    keys (http/auth.cpp), Content-Encoding with gunzip up to max_body_bytes, the Segment
//    or native (JSON/msgpack, by Content-Type) decoder, the body's writeKey, the per-key
//    rate limiter (api/rate_limiter.cpp). Where the node would ask the ingest actor,
//    the stub answers as an acknowledgement would. Admin routes go through the real
//    admin_guarded (Bearer token); query routes read their path and query parameters.
//  - The response is built and serialised as connection::write does.
// Odd-length inputs run with write keys, an admin token and a rate limit configured,
// even-length ones with auth off, so that one corpus covers both.
//
// Keep the ingest handler's steps below in step with api/ingest_api.cpp when those
// change. WebSocket frames after an upgrade are stream_frame_fuzz's.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "codecs/event_types.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/native_decoder.hpp"
#include "codecs/segment_decoder.hpp"
#include "config/config.hpp"
#include "api/admin_guard.hpp"
#include "http/auth.hpp"
#include "http/http_request_parse.hpp"
#include "http/http_router.hpp"
#include "http/http_types.hpp"
#include "api/rate_limiter.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using namespace cohort;
using namespace cohort::http;
using namespace cohort::api;

namespace {

/// A SyncReadStream over the fuzz input that returns at most a few bytes per read, the
/// sizes cycling so that the parser sees requests split everywhere, then end of stream.
class chunked_input {
public:
  explicit chunked_input(std::string_view data) : data_(data) {
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, beast::error_code& ec) {
    static constexpr std::size_t sizes[] = {4096, 1, 7, 64, 3, 512};
    if (data_.empty()) {
      ec = net::error::eof;
      return 0;
    }
    ec = {};
    const auto limit = std::min(data_.size(), sizes[reads_++ % std::size(sizes)]);
    const auto n = net::buffer_copy(buffers, net::buffer(data_.data(), limit));
    data_.remove_prefix(n);
    return n;
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    beast::error_code ec;
    auto n = read_some(buffers, ec);
    if (ec)
      throw beast::system_error(ec);
    return n;
  }

private:
  std::string_view data_;
  std::size_t reads_ = 0;
};

/// What the ingest handlers of one node share: its config and its rate limiter.
struct node_stub {
  config::ingest_config ingest;
  config::http_config http;
  std::string admin_token;
  codecs::event_types types;
  std::unique_ptr<rate_limiter> limiter;
  http_router router;
};

using decoder = std::function<result<codecs::decoded_batch>(
  const std::string& body, std::string_view content_type, const codecs::decode_context&)>;

/// ingest_api.cpp's ingest_handler up to the ingest actor's acknowledgement.
http_handler ingest_handler(node_stub& node, decoder decode) {
  return [&node, decode = std::move(decode)](http_request&& req, respond_fn respond) {
    auto basic = basic_user(req.header("authorization"));
    const auto& keys = node.ingest.write_keys;
    if (basic && !write_key_allowed(keys, *basic))
      return respond(error_response(401, "unknown write key"));
    auto body = plain_body(req, node.ingest.max_body_bytes);
    if (!body)
      return respond(error_response(body.error().status, body.error().reason));
    const std::int64_t now = 1714564810000;
    codecs::decode_context ctx{now, &node.types, node.ingest.max_message_bytes};
    auto batch = decode(*body, req.header("content-type"), ctx);
    if (!batch)
      return respond(error_response(batch.error().status, batch.error().reason));
    if (!basic && !write_key_allowed(keys, batch->write_key))
      return respond(error_response(401, "unknown write key"));
    const auto rate_key = keys.empty() ? std::string_view{}
                                       : std::string_view(basic ? *basic : batch->write_key);
    auto messages = batch->events.size() + batch->rejected.size();
    if (auto refusal = node.limiter->take(rate_key, messages)) {
      auto res = error_response(429, "rate limit");
      if (!refusal->too_large)
        res.headers.emplace_back("Retry-After", std::to_string(refusal->retry_after.count()));
      return respond(std::move(res));
    }
    // The acknowledgement's answer: 200, or 400 listing the rejected messages.
    codecs::json_writer w;
    w.begin_object().key("success").value(batch->rejected.empty());
    w.key("accepted").value(std::uint64_t{batch->events.size()});
    w.key("rejected").begin_array();
    for (const auto& r : batch->rejected)
      w.begin_object().key("index").value(std::uint64_t{r.index}).key("reason").value(r.reason)
        .end_object();
    w.end_array().end_object();
    respond(json_response(w.take(), batch->rejected.empty() && !batch->events.empty() ? 200 : 400));
  };
}

void add_routes(node_stub& node) {
  auto& router = node.router;
  using codecs::segment_call;
  auto segment = [](segment_call call) -> decoder {
    return [call](const std::string& body, std::string_view, const codecs::decode_context& ctx) {
      return codecs::decode_segment(body, call, ctx);
    };
  };
  router.add("POST", "/v1/batch", ingest_handler(node, segment(segment_call::batch)));
  const std::pair<const char*, segment_call> calls[] = {
    {"/v1/track", segment_call::track},       {"/v1/page", segment_call::page},
    {"/v1/screen", segment_call::screen},     {"/v1/identify", segment_call::identify},
    {"/v1/alias", segment_call::alias},       {"/v1/group", segment_call::group},
  };
  for (auto [path, call] : calls)
    router.add("POST", path, ingest_handler(node, segment(call)));
  router.add("POST", "/v1/events",
             ingest_handler(node, [](const std::string& body, std::string_view type,
                                     const codecs::decode_context& ctx)
                                    -> result<codecs::decoded_batch> {
               if (type.find("msgpack") != std::string_view::npos)
                 return codecs::decode_native(body, codecs::native_format::msgpack,
                                              codecs::default_mappings(), ctx);
               if (type.empty() || type.find("json") != std::string_view::npos)
                 return codecs::decode_native(body, codecs::native_format::json,
                                              codecs::default_mappings(), ctx);
               return failure{415, "unsupported Content-Type"};
             }));

  // Query routes: what they read of the request before asking an actor.
  router.add_prefix("GET", "/v1/profiles/", [](http_request&& req, respond_fn respond) {
    auto user = percent_decode(std::string_view(req.path).substr(13));
    respond(user.empty() ? error_response(400, "missing userId")
                         : error_response(404, "unknown user: " + user));
  });
  router.add("GET", "/v1/personalize", [](http_request&& req, respond_fn respond) {
    auto user = req.param("userId");
    auto placement = req.param("placement");
    respond(json_response("{}", user.empty() || placement.empty() ? 400 : 200));
  });
  auto ok = [](http_request&&, respond_fn respond) { respond(json_response("{}")); };
  router.add("GET", "/healthz", ok);
  router.add("GET", "/readyz", ok);
  router.add("GET", "/metrics", ok);
  router.add("GET", "/console", ok);
  router.add_prefix("GET", "/console/", ok);
  for (const char* path : {"/admin/api/nodes", "/admin/api/deadletters", "/admin/api/actors",
                           "/admin/api/segments", "/admin/api/stats", "/admin/api/rules",
                           "/admin/api/identity/refusals"})
    router.add("GET", path, admin_guarded(node.admin_token, ok));
  router.add("POST", "/admin/api/reload", admin_guarded(node.admin_token, ok));
  router.add_prefix("GET", "/admin/api/actors/", admin_guarded(node.admin_token, ok));
  router.add_prefix("POST", "/admin/api/profiles/", admin_guarded(node.admin_token, ok));
}

node_stub& node(bool auth) {
  static node_stub* nodes[2] = {nullptr, nullptr};
  auto*& n = nodes[auth ? 1 : 0];
  if (n == nullptr) {
    n = new node_stub;
    if (auth) {
      n->ingest.write_keys = {"wk_live_fuzz", "wk_test_fuzz"};
      n->admin_token = "s3cret-admin-token";
    }
    add_routes(*n);
  }
  return *n;
}

/// connection::write: the response as it goes on the wire.
void write(http_response res, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> msg{static_cast<bhttp::status>(res.status), version};
  msg.set(bhttp::field::server, "cohortd");
  msg.set(bhttp::field::content_type, res.content_type);
  for (auto& [k, v] : res.headers)
    msg.set(k, v);
  msg.body() = std::move(res.body);
  msg.keep_alive(keep_alive);
  msg.prepare_payload();
  std::ostringstream out;
  out << msg;
  // HTTP_FUZZ_PRINT=1 build-fuzz/fuzz/http_request_fuzz FILE shows what the node answers.
  static const bool print = std::getenv("HTTP_FUZZ_PRINT") != nullptr;
  if (print)
    std::fprintf(stderr, "%s\n", out.str().c_str());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bool auth = size % 2 == 1;
  auto& n = node(auth);
  // Per input, so that one input's buckets do not depend on the ones before it.
  n.limiter = std::make_unique<rate_limiter>(auth ? 50.0 : 0.0, auth ? 100.0 : 0.0);

  chunked_input stream(std::string_view(reinterpret_cast<const char*>(data), size));
  beast::flat_buffer buffer;
  // A connection serves requests until an error or `Connection: close`.
  for (int i = 0; i < 64; ++i) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(n.ingest.max_body_bytes);
    parser.header_limit(static_cast<std::uint32_t>(n.http.max_header_bytes));
    beast::error_code ec;
    bhttp::read_header(stream, buffer, parser, ec);
    if (!ec && !parser.is_done())
      bhttp::read(stream, buffer, parser, ec);
    if (ec) {
      // connection::on_read_error
      if (ec == bhttp::error::body_limit)
        write(error_response(413, "body exceeds limit"), 11, false);
      else if (ec == bhttp::error::header_limit)
        write(error_response(431, "headers exceed limit"), 11, false);
      else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()
               && ec != bhttp::error::end_of_stream)
        write(error_response(400, "bad HTTP request: " + ec.message()), 11, false);
      break;
    }
    auto in = parser.release();
    // The WebSocket session would take the connection over (stream_frame_fuzz's part).
    if (beast::websocket::is_upgrade(in) && in.target().substr(0, 10) == "/v1/stream")
      break;
    const bool keep_alive = in.keep_alive();
    const unsigned version = in.version();
    std::optional<http_response> answer;
    n.router.dispatch(to_request(std::move(in), "203.0.113.7"),
                      [&answer](http_response res) { answer = std::move(res); });
    if (!answer)
      __builtin_trap();  // the router must always answer, exactly once
    write(std::move(*answer), version, keep_alive);
    if (!keep_alive)
      break;
  }
  return 0;
}
