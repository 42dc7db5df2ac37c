#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/boxed.hpp"
#include "actors/change_outbox.hpp"
#include "actors/flow_control.hpp"
#include "actors/journal.hpp"
#include "actors/profile_state.hpp"

namespace cohort::actors {

using dead_letter_atom = caf::atom_constant<caf::atom("deadlettr")>;

/// What every session actor shares: limits, the current model, and where its outputs go.
struct session_env {
  session_limits limits;
  std::shared_ptr<model_holder> model;
  /// Receives (publish_atom, change_event); invalid in a cluster without Kafka sinks.
  caf::actor publisher;
  caf::actor dead_letters;  ///< Receives (dead_letter_atom, reason, event) for late events.
  std::shared_ptr<journal> store;      ///< Snapshots.
  std::shared_ptr<flow_control> flow;  ///< Released as events are applied.
  caf::duration passivate_after = caf::infinite;  ///< Idle sweep period (infinite: off).
  std::shared_ptr<std::atomic<std::uint64_t>> dedup_hits;  ///< Retries recognised (metrics).
  /// A cluster's: receives (forward_atom, receiver, event_batch) for events of a profile a
  /// merge moved into `receiver` (a forward_stub() is stored under it). Null on one node.
  caf::actor forwarder;
  /// Live sessions the shard keeps; past it the least recently used one is told to
  /// passivate at each spawn (0: no cap, only the idle sweep lets sessions go).
  std::size_t max_live = 0;
  /// Where changes are made durable before they are published: a node's webhook queues
  /// (null without destinations), a cluster partition's changes topic.
  std::shared_ptr<change_outbox> outbox;
};

/// The actor state wrapper: CAF default-constructs it, the behavior fills it.
struct session_actor_state {
  std::shared_ptr<const session_env> env;  ///< Shared by the sessions of a shard.
  caf::actor_addr directory;  ///< Its shard, held weakly (each refers to the other).
  std::optional<profile_state> user;
  std::uint64_t batches = 0;  ///< Apply batches received: the directory's hand-over check.
  /// Taken with the snapshot bytes last handed to the directory: once they are written,
  /// the recent events they hold can go (profile_state::release_recent). 0: none.
  std::uint64_t recent_mark = 0;
  /// A cluster's giver that handed its whole state to this profile: events still routed
  /// here until it leaves go to the forwarder (docs/cluster.md, merges across partitions).
  boxed<std::string> moved_to;
  static inline const char* name = "cohort.session";
};

/// One actor per profile key: applies routed event batches in arrival order, publishes
/// segment and tag changes, hands late events to the dead-letter sink, and answers
/// profile queries. It never fails a batch; duplicates are counted, not applied.
/// Told by its directory that it is idle, it writes its snapshot and asks `directory` to
/// let it go; it quits only when the directory confirms no batch is still on its way.
/// Merges and unmerges (transfers) move state between two of them: the giver sends its
/// state when its turn in its own stream comes; the receiver processes nothing else
/// until that state arrives (events after the transfer wait in its mailbox; events
/// before it reached the giver first), writes both states in one atomic write, then
/// confirms, and only then may the giver write again (or end, after a merge).
///  - (apply_atom, event_batch)                       -> void
///  - (transfer_atom, record)                         -> void: receive a transfer
///  - (handover_atom, record, actor receiver_shard)   -> void: give one
///  - (handed_atom, record, handover_reply)           -> bool: the giver's state, written
///  - (profile_atom)                                  -> profile
///  - (summary_atom)                                  -> profile_summary
///  - (snapshot_atom)                                 -> string: the state's snapshot bytes
///    for the asker to write (empty when nothing changed since the last one)
///  - (unsaved_atom)                                  -> void: those bytes were not written
///  - (saved_atom)                                    -> void: they were: recent events held
///    only in memory since then are let go (read back from the snapshot when wanted)
///  - (passivate_atom)                                -> void: idle; write state and go
caf::behavior session_actor(caf::stateful_actor<session_actor_state>* self,
                            std::shared_ptr<const session_env> env, caf::actor_addr directory,
                            profile_state initial);

} // namespace cohort::actors
