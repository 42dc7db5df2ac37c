#pragma once

#include <string>

#include "actors/change_event.hpp"
#include "codecs/json_writer.hpp"

namespace cohort::api {

/// One change event as pushed to clients over WebSocket (SPEC 4):
///  {"type":"segment_change","userId","from","to","score","tags","at","cause":{"messageId"}}
///  {"type":"tags_change","userId","segment","score","tags","added","removed","at","cause"}
/// `from` is null for a user's first segment; `at` is ISO 8601 UTC with milliseconds.
void write_change(codecs::json_writer& w, const actors::change_event& ev);

/// write_change() as a standalone document.
std::string change_json(const actors::change_event& ev);

} // namespace cohort::api
