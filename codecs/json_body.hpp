#pragma once

#include <cstddef>

namespace cohort::codecs {

/// Bytes a JSON body's buffer should have allocated past its last byte. simdjson reads up
/// to that far beyond the end; a body whose string has the room (the HTTP server reserves
/// it) is decoded in place, any other is first copied into a padded buffer.
inline constexpr std::size_t json_body_padding = 64;

} // namespace cohort::codecs
