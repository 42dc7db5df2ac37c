#include "api/admin_guard.hpp"

#include "http/auth.hpp"
#include "api/cors_policy.hpp"

namespace cohort::api {

using namespace cohort::http;

http_handler admin_guarded(const std::string& token, http_handler inner) {
  return [&token, inner = std::move(inner)](http_request&& req, respond_fn respond) {
    // Without a token the admin API is open to whoever reaches the port, but never to a
    // page of another site that the operator's browser happens to show (CSRF).
    if (is_cross_origin(req)) {
      respond(error_response(403, "the admin API is not served to pages of other origins"));
      return;
    }
    if (!bearer_allowed(token, req.header("authorization"))) {
      auto res = error_response(401, "admin token required (Authorization: Bearer ...)");
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
      respond(std::move(res));
      return;
    }
    inner(std::move(req), std::move(respond));
  };
}

} // namespace cohort::api
