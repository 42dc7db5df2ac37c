#include "raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cohort::it {

namespace {

using steady = std::chrono::steady_clock;

int millis_left(steady::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

} // namespace

raw_connection::raw_connection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw std::runtime_error(std::string("raw_connection: socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("raw_connection: connect: " + reason);
  }
}

raw_connection::~raw_connection() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool raw_connection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  while (!bytes.empty()) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, millis_left(deadline)) <= 0)
      return false;
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

raw_read raw_connection::read_until(const std::function<bool(const std::string&)>& done,
                                    std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  while (!closed_ && !done(received_)) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, millis_left(deadline));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return {received_, false, true};
    char buf[8192];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (n <= 0)
      closed_ = true;  // EOF, or a reset (ECONNRESET)
    else
      received_.append(buf, static_cast<std::size_t>(n));
  }
  return {received_, closed_, false};
}

raw_read raw_connection::read_to_close(std::chrono::milliseconds timeout) {
  return read_until([](const std::string&) { return false; }, timeout);
}

std::optional<int> http_status(const std::string& bytes) {
  if (bytes.rfind("HTTP/1.", 0) != 0 || bytes.size() < 12)
    return std::nullopt;
  const auto code = bytes.substr(9, 3);
  if (code.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoi(code);
}

bool has_http_header(const std::string& bytes) {
  return bytes.find("\r\n\r\n") != std::string::npos;
}

} // namespace cohort::it
