#pragma once

#include <functional>
#include <optional>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/timespan.hpp>

namespace cohort::cluster {

/// What a gateway answers from: this node's shards by partition, and its sequencer.
struct gateway_context {
  int partitions = 64;
  /// The shard serving a partition, when this node serves it now.
  std::function<std::optional<caf::actor>(std::int32_t)> shard_of;
  /// Every shard this node serves now.
  std::function<std::vector<caf::actor>()> shards;
  caf::actor sequencer;  ///< Answers resolve and unmerge while this node sequences.
  caf::timespan timeout{};
};

/// The actor a node publishes on cluster.listen: other nodes' locators ask it about the
/// users it owns (docs/cluster.md, section 5). Keys are profile ids, resolved by the
/// asking node; a profile whose partition this node does not serve (any more) is
/// answered with errc::moving, so the asker retries against the new owner.
///  - (profile_atom, key) -> profile; (summary_atom, key) -> profile_summary
///  - (list_atom, filter, after, limit) -> vector<string>: this node's live keys
///  - (stats_atom) -> vector<directory_stats>: this node's shards
///  - (resolve_atom, event_batch) -> uint64_t; (unmerge_atom, id) -> unmerge_reply:
///    to this node's sequencer (errc::moving from it when another node sequences)
caf::behavior gateway(caf::event_based_actor* self, gateway_context ctx);

} // namespace cohort::cluster
