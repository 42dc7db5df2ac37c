#pragma once

#include <string>

#include "actors/profile.hpp"
#include "codecs/json_writer.hpp"

namespace cohort::api {

/// The `/v1/profiles/{userId}` document (SPEC 3; fields that exist so far).
std::string profile_json(const actors::profile& p);

} // namespace cohort::api
