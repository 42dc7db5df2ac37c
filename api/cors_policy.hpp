#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "http/http_types.hpp"

namespace cohort::api {

/// Which web pages may send events from a browser (SPEC 2): CORS on the ingest endpoints
/// only, with allowed origins per write key (`ingest.cors`). CORS headers only decide
/// what a page may *read*; a simple request (text/plain, sendBeacon) reaches the server
/// whatever they say, so ingest also refuses a disallowed origin itself, before anything
/// is kept. A request without an Origin header is not from a page of another origin and
/// is not checked here.
class cors_policy {
public:
  explicit cors_policy(const config::cors_config& cfg);

  /// True when a page of `origin` may send events with `write_key`.
  bool allows(std::string_view origin, std::string_view write_key) const;

  /// The answer to a preflight (OPTIONS with Origin): 204 with the allow headers when
  /// some write key accepts the origin (a preflight carries no key), else 403.
  http::http_response preflight(const http::http_request& req) const;

  /// Adds the headers that let a page of `origin` read `res` (nothing when not allowed).
  void expose(std::string_view origin, std::string_view write_key, http::http_response& res) const;

private:
  const std::vector<std::string>& origins_of(std::string_view write_key) const;
  static bool listed(const std::vector<std::string>& origins, std::string_view origin);

  config::cors_config cfg_;
};

/// True when `req` carries an Origin header naming another host than its Host header:
/// a page of another site. The admin API, the console and WebSocket inspection refuse
/// those (they are never opened cross-origin, and an open admin API must not be
/// drivable by any page the operator visits).
bool is_cross_origin(const http::http_request& req);

/// The same check on raw header values.
bool is_cross_origin(std::string_view origin, std::string_view host);

} // namespace cohort::api
