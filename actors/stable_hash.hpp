#pragma once

#include <cstdint>
#include <string_view>

namespace cohort::actors {

/// 64-bit FNV-1a: stable across builds and processes, so it may key persisted data
/// (dedup ids in snapshots) and routing decisions that several nodes must agree on.
inline std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

} // namespace cohort::actors
