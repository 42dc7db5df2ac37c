#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/directory_actor.hpp"
#include "actors/identity_graph.hpp"
#include "actors/messages.hpp"
#include "actors/profile.hpp"
#include "actors/router.hpp"
#include "actors/transfer.hpp"

namespace cohort::actors {

/// The one door to "who owns this user?": every query of the HTTP API, the stream and the
/// console goes through it. Identity → profile → owner: a directory shard of this node,
/// or (cluster/cluster_locator) the gateway of the node that owns the user's partition.
/// The compiler checks the protocol:
///  - (profile_atom, any id) -> profile, identities as the graph links them; errc::unknown_user
///  - (summary_atom, any id) -> profile_summary; errc::unknown_user
///  - (list_atom, filter, after, limit) -> live profile keys of every owner containing
///    `filter`, sorted, after `after`, at most `limit` (a page of the console's list)
///  - (stats_atom) -> directory_stats of every owner's shards
///  - (unmerge_atom, id) -> unmerge_reply (splits id's origin off its profile)
/// Failures come back as errors: a timeout, an owner that is gone, errc::moving (the
/// user's partition has no serving owner now: retry later).
using locator = caf::typed_actor<
  caf::replies_to<profile_atom, std::string>::with<profile>,
  caf::replies_to<summary_atom, std::string>::with<profile_summary>,
  caf::replies_to<list_atom, std::string, std::string, std::uint32_t>::with<
    std::vector<std::string>>,
  caf::replies_to<stats_atom>::with<std::vector<directory_stats>>,
  caf::replies_to<unmerge_atom, std::string>::with<unmerge_reply>>;

/// Replaces the identities a profile's events showed by the graph's view, which says how
/// each was linked (and with what confidence), and names the profile's userId when it has
/// one. A profile of one identity is left as it is.
void with_linked_identities(profile& p, const identity_graph& graph);

/// Merges sorted pages of keys into one sorted page of at most `limit`.
std::vector<std::string> merge_pages(std::vector<std::vector<std::string>> pages,
                                     std::uint32_t limit);

/// What the single node's locator holds.
struct local_locator_state {
  std::unique_ptr<router> route;
  std::shared_ptr<const identity_graph> graph;
  caf::actor ingest;
  caf::timespan timeout{};
  static inline const char* name = "cohort.locator";
};

/// The locator of a single node: every user is on this node; the identity graph is the
/// ingest actor's, read here; shards answer within `timeout`.
locator::behavior_type local_locator(locator::stateful_pointer<local_locator_state> self,
                                     router route, std::shared_ptr<const identity_graph> graph,
                                     caf::actor ingest, caf::timespan timeout);

} // namespace cohort::actors
