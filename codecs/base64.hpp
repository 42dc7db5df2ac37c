#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cohort::codecs {

/// Standard base64 with padding.
std::string base64_encode(std::string_view in);

/// Decodes standard or URL-safe base64 (padding optional; decoding stops at the first
/// '='). nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view in);

} // namespace cohort::codecs
