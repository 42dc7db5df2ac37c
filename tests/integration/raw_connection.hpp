#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cohort::it {

/// What a read saw before it stopped.
struct raw_read {
  std::string bytes;       ///< Everything received so far on the connection.
  bool closed = false;     ///< EOF or reset: the server closed the connection.
  bool timed_out = false;  ///< Neither closed nor done within the timeout.
};

/// A TCP connection to 127.0.0.1 for hostile-client tests: arbitrary bytes out, raw bytes
/// in, every wait bounded. Unlike http_client it never throws on what the server does
/// (close, reset): that is what these tests observe.
class raw_connection {
public:
  /// Connects; throws std::runtime_error when the connection cannot be opened.
  explicit raw_connection(std::uint16_t port);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Writes all of `bytes` within `timeout`; false when the server closed or reset the
  /// connection (or it would not take the bytes in time).
  bool send(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Reads until `done(received)` holds, the connection ends, or `timeout` passes.
  raw_read read_until(const std::function<bool(const std::string&)>& done,
                      std::chrono::milliseconds timeout);

  /// Reads until the connection ends or `timeout` passes.
  raw_read read_to_close(std::chrono::milliseconds timeout);

private:
  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

/// The status code of the HTTP response at the start of `bytes`, once its status line
/// is complete; nullopt before that or when the bytes are not HTTP.
std::optional<int> http_status(const std::string& bytes);

/// True once a whole HTTP response header has arrived.
bool has_http_header(const std::string& bytes);

} // namespace cohort::it
