#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cohort::it {

/// A small blocking WebSocket client (Boost.Beast) for GET /v1/stream tests.
///
/// One read is always kept pending in the background while the client is driven (by
/// send() or next()): received text messages queue up in arrival order. Every call is
/// bounded by a deadline, so a push that never comes fails the test instead of hanging
/// it. A next() that times out leaves the connection usable: the pending read simply
/// goes on, and a later next() can still receive the message.
class ws_client {
public:
  /// Connects to 127.0.0.1:port and performs the WebSocket handshake on `target`,
  /// both within `timeout`; throws std::runtime_error on failure.
  explicit ws_client(std::uint16_t port, std::string target = "/v1/stream",
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Sends one text message; throws when it cannot be written within `timeout` or the
  /// connection failed.
  void send(std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// The next received text message, waiting at most `timeout`. nullopt when nothing
  /// arrived in time (the connection stays usable). Throws std::runtime_error when the
  /// connection was closed or failed and no message is left to return; the reason
  /// (including a WebSocket close reason) is in the message.
  std::optional<std::string> next(std::chrono::milliseconds timeout);

  /// Messages already received and not yet returned by next() (does not wait).
  std::size_t queued();

  /// True until the connection was closed or failed.
  bool open() const;
  /// The close reason sent by the server, when it closed the connection.
  std::string close_reason() const;
  /// The close code sent by the server (1001 going away, 1008 policy), 0 when none came.
  int close_code() const;

  /// Sends a close frame and waits (bounded) for the server's; idempotent.
  void close(std::chrono::milliseconds timeout = std::chrono::seconds(2));

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort::it
