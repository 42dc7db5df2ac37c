#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cohort::codecs {

/// Parses ISO 8601 / RFC 3339 ("2024-05-01T12:00:00Z", "...12:00:00.123+02:00",
/// "2024-05-01T12:00:00"(UTC)) into Unix milliseconds; nullopt when malformed.
std::optional<std::int64_t> parse_iso8601(std::string_view text);

/// Unix milliseconds as "2024-05-01T12:00:00.123Z".
std::string format_iso8601(std::int64_t unix_ms);

/// Current wall-clock time in Unix milliseconds.
std::int64_t now_ms();

} // namespace cohort::codecs
