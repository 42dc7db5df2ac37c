#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>

namespace cohort::actors {

/// Maps a user key to the directory shard that owns its session actor. Ingestion and
/// queries both route through it, so one key always reaches one actor. Cluster mode
/// puts node ownership in front of the same decision.
class router {
public:
  explicit router(std::vector<caf::actor> shards);

  /// The shard for `user_key`; stable for the life of the process.
  const caf::actor& shard_for(std::string_view user_key) const;

  /// The index in shards() of shard_for(user_key).
  std::size_t index_for(std::string_view user_key) const;

  const std::vector<caf::actor>& shards() const { return shards_; }

private:
  std::vector<caf::actor> shards_;
};

} // namespace cohort::actors
