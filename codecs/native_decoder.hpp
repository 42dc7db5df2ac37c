#pragma once

#include <string>
#include <vector>

#include "codecs/decoded_batch.hpp"
#include "codecs/native_mapping.hpp"
#include "codecs/result.hpp"

namespace cohort::codecs {

/// Body encoding of `/v1/events`.
enum class native_format { json, msgpack };

/// Decodes a `/v1/events` body: an array of raw records, or `{"events": [...]}`.
/// Each record is flattened to dotted keys and normalized by the first matching mapping
/// rule. A string element is a server log line: `[RFC3339-time] key=value key="v v" ...`,
/// flattened to its pairs plus `time` (the leading timestamp) and `log_line` (the text).
/// Records that match no rule, or lack a user key or type, are rejected with a reason.
/// The first matching rule decides: a record it cannot normalize is not tried on later
/// rules. message_id is "session_id:event_id" when both are present, else event_id alone.
/// A record without a timestamp gets ctx.received_ms; a rule with an empty `when` matches
/// every record. Integers beyond 2^53 are kept as decimal strings so ids stay exact.
/// A JSON body with json_body_padding bytes of capacity after it is parsed in place.
result<decoded_batch> decode_native(const std::string& body, native_format format,
                                    const std::vector<mapping_rule>& rules,
                                    const decode_context& ctx);

/// The default rules for the seed shapes: web clicks, mobile touches, server log lines.
const std::vector<mapping_rule>& default_mappings();

} // namespace cohort::codecs
