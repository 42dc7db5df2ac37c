#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/flow_control.hpp"
#include "actors/journal.hpp"
#include "actors/profile_state.hpp"

namespace cohort::actors {

using dead_letter_atom = caf::atom_constant<caf::atom("deadlettr")>;

/// What every session actor shares: limits, the current model, and where its outputs go.
struct session_env {
  session_limits limits;
  std::shared_ptr<model_holder> model;
  caf::actor publisher;     ///< Receives (publish_atom, change_event).
  caf::actor dead_letters;  ///< Receives (dead_letter_atom, reason, event) for late events.
  std::shared_ptr<journal> store;      ///< Snapshots.
  std::shared_ptr<flow_control> flow;  ///< Released as events are applied.
  caf::duration passivate_after = caf::infinite;  ///< Idle time before passivation.
  std::shared_ptr<std::atomic<std::uint64_t>> dedup_hits;  ///< Retries recognised (metrics).
};

/// The actor state wrapper: CAF default-constructs it, the behavior fills it.
struct session_actor_state {
  std::optional<profile_state> user;
  std::uint64_t batches = 0;  ///< Apply batches received: the directory's hand-over check.
  static inline const char* name = "cohort.session";
};

/// One actor per profile key: applies routed event batches in arrival order, publishes
/// segment and tag changes, hands late events to the dead-letter sink, and answers
/// profile queries. It never fails a batch; duplicates are counted, not applied.
/// Idle for env.passivate_after, it writes its snapshot and asks `directory` to let it
/// go; it quits only when the directory confirms no batch is still on its way.
/// Merges and unmerges (transfers) move state between two of them: the receiver asks
/// the giver's shard for it and processes nothing else until it has it (events after
/// the transfer wait in its mailbox; events before it reached the giver first), writes
/// both states in one atomic write, then lets the giver go on (or end, after a merge).
///  - (apply_atom, event_batch)                       -> void
///  - (transfer_atom, record, actor giver_shard)      -> void: receive a transfer
///  - (handover_atom, record)                         -> handover_reply: give one
///  - (committed_atom)                                -> bool: a transfer is written
///  - (profile_atom)                                  -> profile
///  - (summary_atom)                                  -> profile_summary
///  - (snapshot_atom)                                 -> bool: state written (or clean)
caf::behavior session_actor(caf::stateful_actor<session_actor_state>* self, std::string key,
                            session_env env, caf::actor_addr directory,
                            profile_state initial);

} // namespace cohort::actors
