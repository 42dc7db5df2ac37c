#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "codecs/result.hpp"
#include "http/http_router.hpp"

namespace cohort::http {

class upgrade_handler;
class tls_context;

/// Limits and address of the HTTP server. Each timeout closes the connection without an
/// answer when it passes: a client too slow to send its request cannot read one either.
struct http_server_options {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;       ///< 0 binds a free port (see http_server::port()).
  std::size_t max_body_bytes = 1048576;   ///< Past it, 413.
  std::size_t max_header_bytes = 16384;   ///< Past it, 431.
  /// The whole header, from the connection's start (or a kept-alive request's first
  /// byte): against slowloris clients that dribble a header byte by byte.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};   ///< The whole body; a response write too.
  std::chrono::milliseconds idle_timeout{60000};   ///< Keep-alive wait for the next request.
  /// Open connections, WebSocket sessions included. Past it a new plain connection gets
  /// an immediate 503 + Retry-After (its request unread) and is closed; a new TLS one is
  /// closed at once, since a handshake would cost what the limit is there to save.
  std::size_t max_connections = 1024;
  int threads = 2;
  /// When set, HTTPS and wss:// only (http/tls_context.hpp); null: plain HTTP.
  std::shared_ptr<tls_context> tls;
  /// When set, takes over the connections whose request it accepts (WebSocket).
  std::shared_ptr<upgrade_handler> upgrades;
};

/// HTTP/1.1 server on Boost.Beast, optionally over TLS: keep-alive, requests on one
/// connection answered in order (pipelining-safe), header/body/idle deadlines, header
/// and body limits, a connection limit. Handlers run on the server threads and may
/// answer later from any thread.
class http_server {
public:
  http_server(http_server_options options, const http_router& router);
  ~http_server();

  /// Binds and starts serving on the server threads. Fails (with the OS reason) when
  /// the address cannot be bound.
  result<unsigned short> start();

  /// The bound port (after start()).
  unsigned short port() const;

  /// Stops accepting, has the upgrade handler close its connections (WebSocket clients
  /// get 1001, going away) within two seconds, then closes every connection and joins
  /// the threads. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort::http
