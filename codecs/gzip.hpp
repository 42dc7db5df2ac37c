#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "codecs/result.hpp"

namespace cohort::codecs {

/// Inflates a gzip (or zlib) body. Fails with 400 on corrupt or truncated input and with
/// 413 when the output would exceed `max_bytes` (a zip bomb stops there, not in memory).
/// The output has `json_body_padding` bytes of room past its end, like a plain body.
result<std::string> gunzip(std::string_view compressed, std::size_t max_bytes);

/// Deflates to gzip; used by clients and tests.
std::string gzip(std::string_view plain);

} // namespace cohort::codecs
