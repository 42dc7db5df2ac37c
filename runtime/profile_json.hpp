#pragma once

#include <string>

#include "actors/profile.hpp"
#include "codecs/json_writer.hpp"

namespace cohort::runtime {

/// One event as the API shows it: {messageId, type, name, call, timestamp, ...}.
void write_event(codecs::json_writer& w, const codecs::event& ev);

/// The `/v1/profiles/{userId}` document (SPEC 3; fields that exist so far).
std::string profile_json(const actors::profile& p);

} // namespace cohort::runtime
