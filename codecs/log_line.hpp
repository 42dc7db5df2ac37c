#pragma once

// Internal to codecs/: the server log line shape of `/v1/events`.

#include <string_view>

#include "codecs/event.hpp"

namespace cohort::codecs::detail {

/// Splits `[RFC3339-time] key=value key="v \"w\"" ...` into attributes: each pair, `time`
/// for a leading timestamp token (brackets optional), and `log_line` for the whole text.
/// Unquoted values that read back identically as numbers ("42", "1.5") and true/false
/// become numbers and booleans; quoted values stay strings, as do "007" or huge ids.
/// Words that are not pairs (a log level, a message) are skipped.
attributes parse_log_line(std::string_view line);

} // namespace cohort::codecs::detail
