#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "codecs/result.hpp"
#include "runtime/http_router.hpp"

namespace cohort::runtime {

struct stream_context;

/// Limits and address of the HTTP server.
struct http_server_options {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;       ///< 0 binds a free port (see http_server::port()).
  std::size_t max_body_bytes = 1048576;
  std::size_t max_header_bytes = 16384;
  std::chrono::milliseconds request_timeout{30000};  ///< Whole request read, and idle.
  int threads = 2;
  /// When set, WebSocket upgrades of /v1/stream are served (runtime/stream_session.hpp).
  std::shared_ptr<const stream_context> stream;
};

/// HTTP/1.1 server on Boost.Beast: keep-alive, requests on one connection answered in
/// order (pipelining-safe), a read deadline per request, header and body limits
/// (413 past the body limit). Handlers run on the server threads and may answer later
/// from any thread.
class http_server {
public:
  http_server(http_server_options options, const http_router& router);
  ~http_server();

  /// Binds and starts serving on the server threads. Fails (with the OS reason) when
  /// the address cannot be bound.
  result<unsigned short> start();

  /// The bound port (after start()).
  unsigned short port() const;

  /// Stops accepting, closes connections and joins the threads. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort::runtime
