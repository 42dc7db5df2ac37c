#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http_client.hpp"

namespace cohort::it {

/// One HTTPS request on a fresh TLS connection to 127.0.0.1:port (Boost.Beast over
/// OpenSSL). The server's certificate is not verified: the tests use a self-signed one.
/// Every step is bounded by `timeout`; throws std::runtime_error on any failure.
http_response https_request(std::uint16_t port, const http_request& req,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// A small blocking wss:// client for GET /v1/stream over TLS. One read stays pending
/// between calls, so a push is never lost to a next() that timed out.
class wss_client {
public:
  /// TCP connect, TLS handshake and WebSocket handshake, all within `timeout`; throws.
  explicit wss_client(std::uint16_t port, std::string target = "/v1/stream",
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~wss_client();
  wss_client(const wss_client&) = delete;
  wss_client& operator=(const wss_client&) = delete;

  void send(std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// The next text message, or nullopt when none came within `timeout`; throws when the
  /// connection ended.
  std::optional<std::string> next(std::chrono::milliseconds timeout);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort::it
