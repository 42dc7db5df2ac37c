#pragma once

#include "actors/identity_graph.hpp"
#include "actors/profile.hpp"

namespace cohort::http {
class http_router;
}

namespace cohort::api {

struct services;

/// Registers POST /admin/api/profiles/{id}/unmerge and GET /admin/api/identity/refusals
/// (admin token required).
void add_identity_api(http::http_router& router, services& svc);

/// Replaces the identities a profile's events showed by the graph's view, which says how
/// each was linked (and with what confidence), and names the profile's userId when it has
/// one. A profile of one identity is left as it is.
void with_linked_identities(actors::profile& p, const actors::identity_graph& graph);

} // namespace cohort::api
