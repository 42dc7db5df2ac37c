#pragma once

#include "codecs/event.hpp"
#include "codecs/json_writer.hpp"

namespace cohort::codecs {

/// One event as the API and the dead-letter store show it: {messageId, userId,
/// anonymousId, type, name, call, sessionId, timestamp, receivedAt, properties, traits,
/// context}, attributes nested again from their dotted keys.
void write_event(json_writer& w, const event& ev);

} // namespace cohort::codecs
