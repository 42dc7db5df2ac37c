#pragma once

#include <string>
#include <string_view>

#include <caf/error.hpp>

#include "http/http_types.hpp"

namespace cohort::api {

struct services;

/// The answer to a query the locator could not serve: 404 for an unknown user, 503 with
/// Retry-After for a user whose partition is moving between nodes (or an owner that did
/// not answer), each saying `what` was asked.
http::http_response query_failure(const services& svc, const caf::error& err,
                                  std::string_view what, const std::string& user);

} // namespace cohort::api
