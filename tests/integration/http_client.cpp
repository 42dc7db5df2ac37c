#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace cohort::it {

namespace {

using clock = std::chrono::steady_clock;

/// EOF before the first byte of a response: on a reused connection this means the
/// server had closed it, and the request may be sent again on a new one.
struct closed_before_response : std::runtime_error {
  closed_before_response() : std::runtime_error("connection closed before a response") {}
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0)
      return true;
    if (n < 0 && errno != EINTR)
      throw std::system_error(errno, std::generic_category(), "poll");
  }
}

} // namespace

std::string http_response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name))
      return v;
  return {};
}

bool http_response::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return iequals(h.first, name); });
}

http_client::http_client(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

http_client::~http_client() { close(); }

void http_client::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  buf_.clear();
}

void http_client::ensure_connected() {
  if (fd_ >= 0)
    return;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    throw std::runtime_error("not an IPv4 address: " + host_);
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    throw std::system_error(e, std::generic_category(),
                            "connect " + host_ + ":" + std::to_string(port_));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
  buf_.clear();
  ++connections_;
}

void http_client::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    if (!wait_fd(fd_, POLLOUT, timeout_))
      throw std::runtime_error("timeout writing request");
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      throw std::system_error(errno, std::generic_category(), "send");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool http_client::fill() {
  if (!wait_fd(fd_, POLLIN, timeout_))
    throw std::runtime_error("timeout waiting for response bytes");
  char tmp[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0)
      return false;
    if (errno == EINTR)
      continue;
    if (errno == ECONNRESET)
      return false;
    throw std::system_error(errno, std::generic_category(), "recv");
  }
}

std::string http_client::read_line() {
  for (;;) {
    auto pos = buf_.find("\r\n");
    if (pos != std::string::npos) {
      std::string line = buf_.substr(0, pos);
      buf_.erase(0, pos + 2);
      return line;
    }
    if (!fill())
      throw std::runtime_error("connection closed in the middle of a response head");
  }
}

std::string http_client::read_exact(std::size_t n) {
  while (buf_.size() < n)
    if (!fill())
      throw std::runtime_error("connection closed in the middle of a response body");
  std::string out = buf_.substr(0, n);
  buf_.erase(0, n);
  return out;
}

std::string http_client::serialize(const http_request& req) const {
  std::string s = req.method + " " + req.target + " HTTP/1.1\r\n";
  bool has_host = false;
  bool has_length = false;
  for (const auto& [k, v] : req.headers) {
    has_host = has_host || iequals(k, "Host");
    has_length = has_length || iequals(k, "Content-Length");
    s += k + ": " + v + "\r\n";
  }
  if (!has_host)
    s += "Host: " + host_ + ":" + std::to_string(port_) + "\r\n";
  if (!has_length && (!req.body.empty() || req.method == "POST" || req.method == "PUT"))
    s += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  s += "\r\n";
  s += req.body;
  return s;
}

void http_client::send_raw(std::string_view bytes) {
  ensure_connected();
  write_all(bytes);
}

http_response http_client::read_response() {
  http_response res;
  bool http10 = false;
  for (;;) {
    if (buf_.empty() && !fill())
      throw closed_before_response();
    std::string status_line = read_line();
    // "HTTP/1.1 200 OK"
    auto sp1 = status_line.find(' ');
    if (status_line.rfind("HTTP/", 0) != 0 || sp1 == std::string::npos)
      throw std::runtime_error("bad status line: " + status_line);
    res.status = std::stoi(status_line.substr(sp1 + 1, 3));
    http10 = status_line.rfind("HTTP/1.0", 0) == 0;
    auto sp2 = status_line.find(' ', sp1 + 1);
    res.reason = sp2 == std::string::npos ? "" : status_line.substr(sp2 + 1);
    res.headers.clear();
    for (;;) {
      std::string line = read_line();
      if (line.empty())
        break;
      auto colon = line.find(':');
      if (colon == std::string::npos)
        throw std::runtime_error("bad header line: " + line);
      res.headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
    if (res.status >= 200 || res.status == 101)
      break;  // 1xx interim responses are skipped
  }
  if (res.status == 204 || res.status == 304) {
    // no body
  } else if (iequals(res.header("Transfer-Encoding"), "chunked")) {
    for (;;) {
      std::string size_line = read_line();
      std::size_t size = std::stoul(size_line, nullptr, 16);
      if (size == 0) {
        while (!read_line().empty()) {
        }  // trailers
        break;
      }
      res.body += read_exact(size);
      if (!read_line().empty())
        throw std::runtime_error("bad chunk terminator");
    }
  } else if (res.has_header("Content-Length")) {
    res.body = read_exact(std::stoul(res.header("Content-Length")));
  } else {
    while (fill()) {
    }
    res.body = std::move(buf_);
    close();
    return res;
  }
  const std::string connection = res.header("Connection");
  if (iequals(connection, "close") || (http10 && !iequals(connection, "keep-alive")))
    close();
  return res;
}

http_response http_client::request(const http_request& req) {
  const bool reused = fd_ >= 0;
  ensure_connected();
  const std::string wire = serialize(req);
  try {
    write_all(wire);
    return read_response();
  } catch (const closed_before_response&) {
    if (!reused)
      throw;
  } catch (const std::system_error& e) {
    if (!reused || (e.code().value() != EPIPE && e.code().value() != ECONNRESET))
      throw;
  }
  // The server had closed the idle keep-alive connection: one retry on a new one.
  close();
  ensure_connected();
  write_all(wire);
  return read_response();
}

http_response http_client::request(std::string method, std::string target, std::string body,
                                   header_list headers) {
  http_request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  req.headers = std::move(headers);
  return request(req);
}

std::vector<http_response> http_client::pipeline(const std::vector<http_request>& reqs) {
  ensure_connected();
  std::string wire;
  for (const auto& r : reqs)
    wire += serialize(r);
  write_all(wire);
  std::vector<http_response> out;
  for (std::size_t i = 0; i < reqs.size(); ++i)
    out.push_back(read_response());
  return out;
}

std::string basic_auth(std::string_view user, std::string_view password) {
  static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = std::string(user) + ":" + std::string(password);
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return "Basic " + out;
}

} // namespace cohort::it
