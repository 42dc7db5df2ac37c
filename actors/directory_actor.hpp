#pragma once

#include <cstdint>
#include <random>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/key_table.hpp"
#include "actors/session_actor.hpp"

namespace cohort::actors {

/// One live session actor as its directory shard knows it.
struct directory_entry {
  caf::actor session;
  std::uint64_t routed = 0;    ///< Apply batches sent to it.
  std::uint64_t clean_at = 0;  ///< `routed` when its state was last written.
  bool touched = true;         ///< Routed to since the last idle sweep.
  bool asked = false;          ///< Told to passivate; no answer from it yet.
  bool queued = false;         ///< In a checkpoint round, not asked yet (may passivate).
  bool writing = false;        ///< Its snapshot is in a checkpoint's batch, not yet written.
  bool evicting = false;       ///< Told to passivate for the cap; not a candidate again.
  std::uint64_t used = 0;      ///< The shard's use clock when last routed to or spawned.
};

struct snapshot_round;  // directory_actor.cpp: the checkpoint round a shard is running

/// Owns the map user key -> session actor for one shard of the key space. CAF 0.17 has
/// no way to list or find live actors, so this is where they are spawned (restored from
/// their snapshot when they have one), found, counted, monitored, let go when idle, and
/// asked to write their state for a checkpoint.
struct directory_state {
  key_table<directory_entry> sessions;
  std::unordered_map<caf::actor_id, std::string> keys;  ///< For down messages.
  std::uint64_t clock = 0;  ///< Counts uses: entries' `used` orders them (session_env::max_live).
  std::minstd_rand sampler;  ///< Where the cap's eviction sample starts.
  std::shared_ptr<const session_env> env;  ///< Shared with its sessions.
  std::shared_ptr<snapshot_round> round;  ///< The snapshot round running now, if any.
  std::uint64_t rounds = 0;               ///< Rounds started (tells a stale resume apart).
  std::uint64_t spawned = 0;
  std::uint64_t passivated = 0;
  std::uint64_t evictions = 0;  ///< Sessions told to passivate because of the cap.
  static inline const char* name = "cohort.directory";
};

/// Counters one directory shard reports.
struct directory_stats {
  std::uint64_t live = 0;        ///< Session actors alive now.
  std::uint64_t spawned = 0;     ///< Session actors spawned (or revived) since start.
  std::uint64_t passivated = 0;  ///< Session actors written to disk and stopped.
  std::uint64_t evictions = 0;   ///< Of those, told to go by the cap (sessions.max_live).
};

/// The node's figures: the sum over its shards.
inline directory_stats sum_of(const std::vector<directory_stats>& shards) {
  directory_stats total;
  for (const auto& s : shards) {
    total.live += s.live;
    total.spawned += s.spawned;
    total.passivated += s.passivated;
    total.evictions += s.evictions;
  }
  return total;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, directory_stats& x) {
  return f(caf::meta::type_name("cohort.directory_stats"), x.live, x.spawned, x.passivated,
           x.evictions);
}

/// Behavior:
///  - (route_atom, shard_batch) -> void: each key's events as below, in order.
///  - (route_atom, key, event_batch) -> void: to the key's session actor, spawned or
///    revived from its snapshot on demand.
///  - (transfer_atom, record) -> void: to the receiver's session actor.
///  - (handover_atom, record, receiver_shard) -> void: to the giver's session actor
///    (revived if need be; when it has no state, an empty handover goes straight to the
///    receiver); a giver that hands over everything then leaves like a passivated one.
///  - (handed_atom, record, handover_reply) -> bool from the receiver's session actor.
///  - (profile_atom | summary_atom, key) -> the session's answer, or errc::unknown_user
///    when the key has neither a live actor nor a snapshot.
///  - (list_atom, filter, after, limit) -> vector<string>: live keys containing `filter`,
///    sorted, after `after`, at most `limit` (a page of the console's actor list).
///  - (snapshot_atom) -> bool: the state of every session with unwritten state has been
///    written (collected from the sessions a slice at a time, each slice one write), as
///    fast as it goes; an error if a write failed (those sessions write on passivation
///    and are asked again next time).
///  - (snapshot_atom, timespan spread) -> bool: the same in the background: its slices
///    are small and spread evenly over about `spread`, so that the events routed
///    meanwhile never wait behind more than one slice of snapshot jobs. A session not
///    asked yet may passivate meanwhile (its own write covers it), so a long round does
///    not keep idle sessions in memory.
///    Rounds run one at a time: a request during a round waits for the next, which
///    covers everything routed until then; an urgent one makes the running round hurry.
///  - (resume_atom, round) -> void: a background round's pause is over.
///  - (passivate_atom, key, batches) -> bool: true (and forgotten) when no batch is on its
///    way to that session, i.e. it has received all `batches` routed to it.
///  - (passivate_atom) -> void: the idle sweep, every env.passivate_after: sessions not
///    routed to since the previous sweep are told to passivate (so a session goes after
///    between one and two passivate_after of idleness). One timer per shard instead of
///    an idle timeout per session, which CAF re-arms on every message.
///  - (stats_atom) -> directory_stats
caf::behavior directory_actor(caf::stateful_actor<directory_state>* self, session_env env);

} // namespace cohort::actors
