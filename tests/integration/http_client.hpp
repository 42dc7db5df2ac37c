#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::it {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
  int status = 0;
  std::string reason;
  header_list headers;
  std::string body;

  /// Value of the first header named `name` (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct http_request {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  header_list headers;
};

/// A minimal blocking HTTP/1.1 client over one keep-alive TCP connection (raw sockets,
/// Content-Length and chunked bodies). Reconnects lazily after the server closed the
/// connection. Every read and write is bounded by `timeout`; a timeout throws.
class http_client {
public:
  http_client(std::string host, std::uint16_t port,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  http_response request(const http_request& req);
  http_response request(std::string method, std::string target, std::string body = {},
                        header_list headers = {});
  http_response get(std::string target) { return request("GET", std::move(target)); }

  /// Pipelining: writes all requests at once on the current connection, then reads the
  /// responses in order.
  std::vector<http_response> pipeline(const std::vector<http_request>& reqs);

  /// Raw access for tests of the wire format: send bytes, read one response.
  void send_raw(std::string_view bytes);
  http_response read_response();

  /// Number of TCP connections opened so far (keep-alive tests check it stays 1).
  int connections_opened() const { return connections_; }
  void close();

  /// Serializes a request with Host and Content-Length added.
  std::string serialize(const http_request& req) const;

private:
  void ensure_connected();
  void write_all(std::string_view bytes);
  bool fill();  ///< Reads more bytes into buf_; false on EOF.
  std::string read_line();
  std::string read_exact(std::size_t n);

  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  int connections_ = 0;
  std::string buf_;  // received, not yet consumed
};

/// "Basic base64(user:password)".
std::string basic_auth(std::string_view user, std::string_view password = {});

} // namespace cohort::it
