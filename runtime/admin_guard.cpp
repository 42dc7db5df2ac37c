#include "runtime/admin_guard.hpp"

#include "runtime/auth.hpp"

namespace cohort::runtime {

http_handler admin_guarded(const std::string& token, http_handler inner) {
  return [&token, inner = std::move(inner)](http_request&& req, respond_fn respond) {
    if (!bearer_allowed(token, req.header("authorization"))) {
      auto res = error_response(401, "admin token required (Authorization: Bearer ...)");
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
      respond(std::move(res));
      return;
    }
    inner(std::move(req), std::move(respond));
  };
}

} // namespace cohort::runtime
