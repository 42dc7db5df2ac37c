#pragma once

#include <cstdint>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/router.hpp"

namespace cohort::actors {

/// Counters of the ingest actor.
struct ingest_state {
  std::uint64_t accepted = 0;
  static inline const char* name = "cohort.ingest";
};

/// Takes decoded, valid events from the HTTP layer, splits them per user key (keeping
/// each user's order) and sends one batch per user to its directory shard. The reply is
/// the acknowledgement the HTTP layer waits for before answering 200.
///  - (ingest_atom, event_batch) -> uint64_t accepted
///  - (stats_atom) -> uint64_t accepted since start
caf::behavior ingest_actor(caf::stateful_actor<ingest_state>* self, router route);

} // namespace cohort::actors
