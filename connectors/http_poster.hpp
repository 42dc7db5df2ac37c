#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cohort::connectors {

/// What one POST came to: a status (0 when no answer came) and the transport error, if any.
struct post_result {
  unsigned status = 0;
  std::string error;        ///< "" when an answer came.
  std::string retry_after;  ///< The answer's Retry-After header ("" when absent).
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

/// A POST to make.
struct post_request {
  bool tls = false;     ///< https: the server's certificate and name are verified.
  std::string ca_file;  ///< PEM certificates trusted instead of the system's ("": system).
  std::string host;
  std::string port;
  std::string target;  ///< Path and query.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};  ///< Connect, send and answer together.
};

/// Asynchronous HTTP/1.1 POSTs, plain or over TLS (OpenSSL: peer verification against the
/// system's trust store or the request's ca_file, host name checked, SNI sent), on one I/O
/// thread of its own (Boost.Beast), one connection per request. A receiver that accepts and never answers only holds a socket until the
/// request's timeout: it blocks neither this thread nor the actors. `done` runs on the I/O
/// thread and must only hand the result on (e.g. send it to an actor).
class http_poster {
public:
  http_poster();
  ~http_poster();  ///< stop()
  /// Ends the I/O thread; pending requests end without calling `done`. Idempotent.
  void stop();
  http_poster(const http_poster&) = delete;
  http_poster& operator=(const http_poster&) = delete;

  void post(post_request request, std::function<void(post_result)> done);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort::connectors
