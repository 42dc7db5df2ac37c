#pragma once

// The protocol switch of an HTTP connection (WebSocket). Only the server and the
// endpoints that take connections over include this header: Beast is heavy to compile.

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace cohort::http {

using upgrade_request = boost::beast::http::request<boost::beast::http::string_body>;
/// A connection of a server with `http.tls` set.
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// Takes over connections whose request asks to switch protocols, so that the HTTP
/// server knows nothing of what runs on them (the stream API is one). The server keeps
/// the connection's slot in max_connections by handing it along, and tells the handler
/// to end its connections when it stops.
class upgrade_handler {
public:
  virtual ~upgrade_handler() = default;

  /// True when this handler serves `req` (e.g. a WebSocket upgrade of /v1/stream).
  virtual bool accepts(const upgrade_request& req) const = 0;

  /// Serves `req` on `stream` until the client leaves; holds `slot` until then.
  virtual void start(boost::beast::tcp_stream&& stream, upgrade_request&& req,
                     std::shared_ptr<void> slot) = 0;
  /// The same over TLS.
  virtual void start(tls_stream&& stream, upgrade_request&& req, std::shared_ptr<void> slot) = 0;

  /// The server stops: tells every connection to close (a close frame, not a reset) and
  /// waits up to `deadline` for them. Returns how many were still open.
  virtual std::size_t close_all(std::chrono::milliseconds deadline) = 0;
};

} // namespace cohort::http
