#include "api/cors_policy.hpp"

#include <algorithm>
#include <cctype>

namespace cohort::api {

using namespace cohort::http;

namespace {

/// How long a browser may reuse a preflight answer (seconds): one preflight per page
/// visit rather than one per event.
constexpr std::string_view preflight_max_age = "600";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

cors_policy::cors_policy(const config::cors_config& cfg) : cfg_(cfg) {
}

bool cors_policy::listed(const std::vector<std::string>& origins, std::string_view origin) {
  auto normalized = lower(origin);
  return std::any_of(origins.begin(), origins.end(),
                     [&](const std::string& o) { return o == "*" || o == normalized; });
}

const std::vector<std::string>& cors_policy::origins_of(std::string_view write_key) const {
  for (const auto& key : cfg_.keys)
    if (key.write_key == write_key)
      return key.origins;
  return cfg_.origins;
}

bool cors_policy::allows(std::string_view origin, std::string_view write_key) const {
  return listed(origins_of(write_key), origin);
}

http_response cors_policy::preflight(const http_request& req) const {
  auto origin = req.header("origin");
  bool any = listed(cfg_.origins, origin)
             || std::any_of(cfg_.keys.begin(), cfg_.keys.end(),
                            [&](const config::cors_key& k) { return listed(k.origins, origin); });
  if (origin.empty() || !any)
    return error_response(403, "origin '" + std::string(origin)
                                 + "' may not send events here (ingest.cors)");
  http_response res;
  res.status = 204;
  res.content_type.clear();
  res.headers = {{"Access-Control-Allow-Origin", std::string(origin)},
                 {"Access-Control-Allow-Methods", "POST, OPTIONS"},
                 {"Access-Control-Max-Age", std::string(preflight_max_age)},
                 {"Access-Control-Allow-Credentials", "true"},
                 {"Vary", "Origin"}};
  // Whatever the SDK asks for (Content-Type, Authorization, ...): the ingest endpoints
  // read no header that a page could abuse.
  if (auto asked = req.header("access-control-request-headers"); !asked.empty())
    res.headers.emplace_back("Access-Control-Allow-Headers", std::string(asked));
  return res;
}

void cors_policy::expose(std::string_view origin, std::string_view write_key,
                         http_response& res) const {
  if (origin.empty() || !allows(origin, write_key))
    return;
  // The origin itself, not "*": beacons are sent with credentials, and "*" is not
  // accepted for credentialed requests.
  res.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  res.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  res.headers.emplace_back("Vary", "Origin");
}

bool is_cross_origin(std::string_view origin, std::string_view host) {
  if (origin.empty())
    return false;
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos)
    return true;  // "null" (a sandboxed or file page) or garbage
  return lower(origin.substr(scheme_end + 3)) != lower(host);
}

bool is_cross_origin(const http_request& req) {
  return is_cross_origin(req.header("origin"), req.header("host"));
}

} // namespace cohort::api
