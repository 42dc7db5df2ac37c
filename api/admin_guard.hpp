#pragma once

#include <string>

#include "http/http_types.hpp"

namespace cohort::api {

/// Wraps `inner` so that it answers 401 (with `WWW-Authenticate: Bearer`) unless the
/// request carries `Authorization: Bearer <token>`, compared in constant time. An empty
/// `token` leaves the endpoint open (SPEC 6). A request from a page of another origin is
/// refused with 403 either way. `token` must outlive the handler.
http::http_handler admin_guarded(const std::string& token, http::http_handler inner);

} // namespace cohort::api
