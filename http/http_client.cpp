#include "http/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "config/loader.hpp"

namespace cohort::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string client_response::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name)
      return v;
  return {};
}

struct http_client::impl {
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  std::string host;
  unsigned short port = 0;
  std::chrono::milliseconds timeout{5000};

  beast::error_code open() {
    stream.emplace(ioc);
    stream->expires_after(timeout);
    net::ip::tcp::resolver resolver{ioc};
    beast::error_code ec;
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (!ec)
      stream->connect(endpoints, ec);
    return ec;
  }

  beast::error_code exchange(bhttp::request<bhttp::string_body>& req,
                             bhttp::response<bhttp::string_body>& res) {
    beast::error_code ec;
    stream->expires_after(timeout);
    bhttp::write(*stream, req, ec);
    if (ec)
      return ec;
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read(*stream, buffer, parser, ec);
    if (!ec)
      res = parser.release();
    return ec;
  }
};

http_client::http_client() : impl_(std::make_unique<impl>()) {
}

http_client::~http_client() = default;

result<std::unique_ptr<http_client>> http_client::connect(const std::string& base_url,
                                                          std::chrono::milliseconds timeout) {
  constexpr std::string_view scheme = "http://";
  if (base_url.compare(0, scheme.size(), scheme) != 0)
    return failure{2, "server URL must start with http://, got '" + base_url + "'"};
  auto hostport = base_url.substr(scheme.size());
  hostport = hostport.substr(0, hostport.find('/'));
  std::unique_ptr<http_client> c{new http_client};
  if (!config::parse_host_port(hostport, c->impl_->host, c->impl_->port))
    return failure{2, "server URL needs host:port, got '" + base_url + "'"};
  c->impl_->timeout = timeout;
  if (auto ec = c->impl_->open())
    return failure{1, "cannot connect to " + base_url + ": " + ec.message()};
  return c;
}

result<client_response> http_client::request(
  const std::string& method, const std::string& target, const std::string& body,
  const std::vector<std::pair<std::string, std::string>>& headers) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.set(bhttp::field::user_agent, "cohortctl");
  for (const auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  bhttp::response<bhttp::string_body> res;
  auto ec = impl_->exchange(req, res);
  if (ec && ec != beast::error::timeout) {
    // The server may have closed an idle keep-alive connection: one fresh try.
    ec = impl_->open();
    if (!ec)
      ec = impl_->exchange(req, res);
  }
  if (ec)
    return failure{1, method + " " + target + ": " + ec.message()};
  client_response out;
  out.status = res.result_int();
  out.body = std::move(res.body());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  return out;
}

} // namespace cohort::http
