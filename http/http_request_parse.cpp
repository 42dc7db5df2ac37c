#include "http/http_request_parse.hpp"

#include <algorithm>
#include <cctype>

#include "codecs/gzip.hpp"
#include "http/auth.hpp"

namespace cohort::http {

http_request to_request(boost::beast::http::request<boost::beast::http::string_body>&& in,
                        std::string remote) {
  http_request req;
  req.method = std::string(in.method_string());
  std::string_view target = in.target();
  auto q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos)
    req.query = std::string(target.substr(q + 1));
  for (const auto& field : in) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    req.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  req.body = std::move(in.body());
  req.remote = std::move(remote);
  return req;
}

result<std::string> plain_body(http_request& req, std::size_t max_bytes) {
  auto encoding = req.header("content-encoding");
  if (encoding.empty() || encoding == "identity")
    return std::move(req.body);
  if (encoding == "gzip" || encoding == "x-gzip")
    return codecs::gunzip(req.body, max_bytes);
  return failure{415, "unsupported Content-Encoding '" + std::string(encoding)
                        + "' (use gzip or none)"};
}

result<keyed_body> read_keyed_body(http_request& req, const std::vector<std::string>& keys,
                                   std::size_t max_bytes) {
  auto basic = basic_user(req.header("authorization"));
  if (basic && !write_key_allowed(keys, *basic))
    return failure{401, "unknown write key"};
  auto body = plain_body(req, max_bytes);
  if (!body)
    return body.error();
  return keyed_body{std::move(basic), std::move(*body)};
}

} // namespace cohort::http
