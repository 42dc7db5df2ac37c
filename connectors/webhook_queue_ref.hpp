#pragma once

#include <cstdint>
#include <string>

namespace cohort::connectors {

/// One queued change of one destination, without its body.
struct queued_ref {
  std::string profile;
  std::uint64_t seq = 0;          ///< The change's number in the profile's sequence.
  std::int64_t enqueued_ms = 0;   ///< Age order, for dropping the oldest past the bound.
};

} // namespace cohort::connectors
