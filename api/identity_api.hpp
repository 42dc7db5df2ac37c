#pragma once

namespace cohort::http {
class http_router;
}

namespace cohort::api {

struct services;

/// Registers POST /admin/api/profiles/{id}/unmerge and GET /admin/api/identity/refusals
/// (admin token required).
void add_identity_api(http::http_router& router, services& svc);

} // namespace cohort::api
