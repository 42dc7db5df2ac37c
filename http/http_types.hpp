#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::http {

/// An HTTP request as handlers see it: no Beast types, so that handler code compiles
/// fast and can be tested without sockets.
struct http_request {
  std::string method;  ///< "GET", "POST", ...
  std::string path;    ///< Target without the query string, not percent-decoded.
  std::string query;   ///< After '?', or empty.
  std::vector<std::pair<std::string, std::string>> headers;  ///< Names lower-cased.
  std::string body;
  std::string remote;  ///< Peer address.

  /// The first header named `name` (lower case), or empty.
  std::string_view header(std::string_view name) const;
  /// The query parameter `name`, percent-decoded, or empty.
  std::string param(std::string_view name) const;
};

/// A response to send; `Content-Length` and `Connection` are added by the server.
struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Hands a response back to the connection; callable from any thread, exactly once.
using respond_fn = std::function<void(http_response)>;

/// Serves one request; may answer now or later (after an actor replied).
using http_handler = std::function<void(http_request&& req, respond_fn respond)>;

/// `{"success":false,"error":reason}` with `status`.
http_response error_response(unsigned status, std::string_view reason);

/// `body` as an application/json response with `status`.
http_response json_response(std::string body, unsigned status = 200);

/// Decodes %XX and '+' in a URL component.
std::string percent_decode(std::string_view s);

} // namespace cohort::http
