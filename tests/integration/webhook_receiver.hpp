#pragma once

// A webhook destination for the tests: a real HTTP server on 127.0.0.1 that checks every
// request's Standard Webhooks signature itself (OpenSSL HMAC over id.timestamp.body, so a
// signer bug in cohortd cannot hide on both sides) and records what it accepted.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cohort::it {

/// One request the receiver got.
struct received_hook {
  std::string id;         ///< webhook-id
  std::string body;
  std::string profile;    ///< body.profileId
  std::int64_t seq = 0;   ///< body.seq
  std::string type;       ///< body.type
  int status = 0;         ///< What the receiver answered.
};

/// A certificate and its key (PEM files) for an https receiver.
struct tls_identity {
  std::string cert_file;
  std::string key_file;
};

class webhook_receiver {
public:
  /// Answers each request with `answer(n)` (n counts requests from 1); 204 by default.
  /// With `tls`, it speaks https only.
  explicit webhook_receiver(std::string secret, std::function<int(std::uint64_t)> answer = {},
                            std::optional<tls_identity> tls = std::nullopt);
  ~webhook_receiver();
  webhook_receiver(const webhook_receiver&) = delete;
  webhook_receiver& operator=(const webhook_receiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const {
    return (tls_ ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_) + "/hook";
  }
  /// Connections whose TLS handshake failed (a client that refused our certificate).
  std::uint64_t failed_handshakes() const;

  /// Every request so far, in arrival order.
  std::vector<received_hook> requests() const;
  /// Requests whose signature, timestamp or body did not check out, with the reason.
  std::vector<std::string> rejected() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
};

} // namespace cohort::it
