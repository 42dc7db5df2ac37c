#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cohort::codecs {

/// The low `digits` hex digits of `value`, lowercase and zero-padded: fixed-width text
/// for numbers used in names and keys (16 for a 64-bit hash, 8 for a 32-bit id), which
/// then sort and compare like the numbers. Such text is often stored (identity keys,
/// consumer group names): a caller that changes its width orphans what was stored.
std::string hex(std::uint64_t value, std::size_t digits);

} // namespace cohort::codecs
