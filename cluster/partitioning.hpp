#pragma once

#include <cstdint>
#include <string_view>

#include "actors/stable_hash.hpp"

namespace cohort::cluster {

/// The partition of a profile in every topic keyed by profile (events, state, changes):
/// FNV-1a of the profile id modulo the partition count, the same on every node and in
/// every release (docs/cluster.md, section 2). librdkafka's own partitioner is not used,
/// so that the owner of a user can be computed without a broker.
inline std::int32_t partition_of(std::string_view profile, int partitions) {
  return static_cast<std::int32_t>(actors::stable_hash(profile)
                                   % static_cast<std::uint64_t>(partitions));
}

} // namespace cohort::cluster
