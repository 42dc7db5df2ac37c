// Identity resolution on the admin API: unmerge a profile, see refused links.

#include "api/identity_api.hpp"

#include <caf/actor_system.hpp>

#include "actors/transfer.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "api/admin_guard.hpp"
#include "api/ask.hpp"
#include "http/http_router.hpp"
#include "api/services.hpp"

namespace cohort::api {

using namespace cohort::http;
using namespace cohort::storage;

namespace {

constexpr std::string_view profiles_prefix = "/admin/api/profiles/";
constexpr std::string_view unmerge_suffix = "/unmerge";

std::string unmerge_json(const actors::unmerge_reply& r) {
  codecs::json_writer w;
  w.begin_object().key("profile").value(r.profile).key("split").value(r.split);
  w.key("origins").begin_array();
  for (const auto& origin : r.origins)
    w.value(origin);
  w.end_array().end_object();
  return w.take();
}

void unmerge(services& svc, http_request&& req, respond_fn respond) {
  std::string_view path = req.path;
  auto rest = path.substr(profiles_prefix.size());
  if (rest.size() <= unmerge_suffix.size()
      || rest.substr(rest.size() - unmerge_suffix.size()) != unmerge_suffix) {
    respond(error_response(404, "expected POST /admin/api/profiles/{id}/unmerge"));
    return;
  }
  auto id = percent_decode(rest.substr(0, rest.size() - unmerge_suffix.size()));
  ask<actors::unmerge_reply>(
    svc.system, svc.locator, svc.cfg.ingest.request_timeout,
    [&svc, respond](caf::expected<actors::unmerge_reply> r) {
      if (!r)
        respond(error_response(503, "unmerge unavailable: " + svc.system.render(r.error())));
      else if (r->status != 200)
        respond(error_response(r->status, r->reason));
      else
        respond(json_response(unmerge_json(*r)));
    },
    actors::unmerge_atom::value, id);
}

void refusals(services& svc, http_request&&, respond_fn respond) {
  codecs::json_writer w;
  w.begin_object().key("refusals").begin_array();
  for (const auto& r : svc.identities->refusals()) {
    w.begin_object().key("at").value(codecs::format_iso8601(r.at_ms));
    w.key("profile").value(r.profile).key("other").value(r.other).key("link").value(r.link);
    w.key("reason").value(r.reason).key("messageId").value(r.message_id).end_object();
  }
  w.end_array();
  auto stats = svc.identities->stats();
  w.key("linkedProfiles").value(stats.linked_profiles).key("merges").value(stats.merges);
  w.key("unmerges").value(stats.unmerges).key("refused").value(stats.refusals);
  w.end_object();
  respond(json_response(w.take()));
}

} // namespace

void add_identity_api(http_router& router, services& svc) {
  const auto& token = svc.cfg.admin.token;
  router.add_prefix("POST", std::string(profiles_prefix),
                    admin_guarded(token, [&svc](http_request&& req, respond_fn respond) {
                      unmerge(svc, std::move(req), std::move(respond));
                    }));
  router.add("GET", "/admin/api/identity/refusals",
             admin_guarded(token, [&svc](http_request&& req, respond_fn respond) {
               refusals(svc, std::move(req), std::move(respond));
             }));
}

} // namespace cohort::api
