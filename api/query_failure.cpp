#include "api/query_failure.hpp"

#include <caf/actor_system.hpp>

#include "actors/messages.hpp"
#include "api/services.hpp"

namespace cohort::api {

http::http_response query_failure(const services& svc, const caf::error& err,
                                  std::string_view what, const std::string& user) {
  if (actors::is(err, actors::errc::unknown_user))
    return http::error_response(404, "unknown user: " + user);
  auto reason = actors::is(err, actors::errc::moving)
                  ? std::string("its partition is moving to another node")
                  : svc.system.render(err);
  auto res = http::error_response(503, std::string(what) + " unavailable: " + reason);
  res.headers.emplace_back("Retry-After", "1");
  return res;
}

} // namespace cohort::api
