#include "actors/router.hpp"

#include <stdexcept>

#include "actors/stable_hash.hpp"

namespace cohort::actors {

router::router(std::vector<caf::actor> shards) : shards_(std::move(shards)) {
  if (shards_.empty())
    throw std::invalid_argument("router needs at least one directory shard");
}

const caf::actor& router::shard_for(std::string_view user_key) const {
  return shards_[index_for(user_key)];
}

std::size_t router::index_for(std::string_view user_key) const {
  return stable_hash(user_key) % shards_.size();
}

} // namespace cohort::actors
