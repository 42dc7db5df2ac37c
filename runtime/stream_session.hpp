#pragma once

// The Beast side of GET /v1/stream. Only http_server.cpp and stream_session.cpp include
// this header: Beast is heavy to compile.

#include <memory>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "runtime/stream_context.hpp"

namespace cohort::runtime {

using upgrade_request = boost::beast::http::request<boost::beast::http::string_body>;
/// A connection of a server with `http.tls` set.
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// True when `req` is a WebSocket upgrade of the path /v1/stream.
bool is_stream_upgrade(const upgrade_request& req);

/// Completes the WebSocket handshake on `stream` and serves the stream protocol (SPEC 4)
/// until the client leaves. The session owns itself (kept alive by its pending I/O) and
/// holds `slot` (the server's connection count) until it ends.
void start_stream_session(std::shared_ptr<const stream_context> ctx,
                          boost::beast::tcp_stream&& stream, upgrade_request&& req,
                          std::shared_ptr<void> slot);
/// The same over TLS (wss://).
void start_stream_session(std::shared_ptr<const stream_context> ctx, tls_stream&& stream,
                          upgrade_request&& req, std::shared_ptr<void> slot);

} // namespace cohort::runtime
