#pragma once

// The Beast side of GET /v1/stream. Only http_server.cpp and stream_session.cpp include
// this header: Beast is heavy to compile.

#include <memory>

#include "api/stream_context.hpp"
#include "http/upgrade.hpp"

namespace cohort::api {

/// GET /v1/stream (SPEC 4) on the connections the HTTP server hands over: completes the
/// WebSocket handshake and serves the stream protocol until the client leaves. Each
/// session owns itself (kept alive by its pending I/O) and holds the server's slot
/// until it ends. close_all() sends every client 1001 (going away).
class stream_endpoint : public http::upgrade_handler {
public:
  explicit stream_endpoint(std::shared_ptr<const stream_context> ctx);

  /// True when `req` is a WebSocket upgrade of the path /v1/stream.
  bool accepts(const http::upgrade_request& req) const override;
  void start(boost::beast::tcp_stream&& stream, http::upgrade_request&& req,
             std::shared_ptr<void> slot) override;
  void start(http::tls_stream&& stream, http::upgrade_request&& req,
             std::shared_ptr<void> slot) override;
  std::size_t close_all(std::chrono::milliseconds deadline) override;

private:
  std::shared_ptr<const stream_context> ctx_;
};

} // namespace cohort::api
