// Read side of the per-user state: /v1/profiles/{userId}.

#include <caf/actor_system.hpp>

#include "actors/messages.hpp"
#include "api/ask.hpp"
#include "http/http_router.hpp"
#include "api/query_failure.hpp"
#include "api/profile_json.hpp"
#include "api/services.hpp"

namespace cohort::api {

using namespace cohort::http;
using namespace cohort::storage;

namespace {

constexpr std::string_view profiles_prefix = "/v1/profiles/";

} // namespace

void add_query_api(http_router& router, services& svc) {
  router.add_prefix("GET", std::string(profiles_prefix), [&svc](http_request&& req,
                                                                 respond_fn respond) {
    auto user = percent_decode(std::string_view(req.path).substr(profiles_prefix.size()));
    if (user.empty()) {
      respond(error_response(400, "missing userId in /v1/profiles/{userId}"));
      return;
    }
    // Any identity of a profile finds it (SPEC 3, identity resolution).
    ask<actors::profile>(
      svc.system, svc.locator, svc.cfg.ingest.request_timeout,
      [&svc, user, respond](caf::expected<actors::profile> p) {
        if (p)
          respond(json_response(profile_json(*p)));
        else
          respond(query_failure(svc, p.error(), "profile", user));
      },
      actors::profile_atom::value, user);
  });
}

} // namespace cohort::api
