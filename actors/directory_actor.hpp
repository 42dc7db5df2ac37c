#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/session_actor.hpp"

namespace cohort::actors {

/// Owns the map user key -> session actor for one shard of the key space. CAF 0.17 has
/// no way to list or find live actors, so this is where they are spawned, found,
/// monitored (a dead one is forgotten) and counted.
struct directory_state {
  std::unordered_map<std::string, caf::actor> sessions;
  std::unordered_map<caf::actor_id, std::string> keys;  ///< For down messages.
  session_env env;
  std::uint64_t spawned = 0;
  static inline const char* name = "cohort.directory";
};

/// Counters one directory shard reports.
struct directory_stats {
  std::uint64_t live = 0;     ///< Session actors alive now.
  std::uint64_t spawned = 0;  ///< Session actors spawned since start.
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, directory_stats& x) {
  return f(caf::meta::type_name("cohort.directory_stats"), x.live, x.spawned);
}

/// Behavior:
///  - (route_atom, key, event_batch) -> void: to the key's session actor, spawned on demand.
///  - (profile_atom, key) -> profile, or errc::unknown_user when no actor has the key.
///  - (summary_atom, key) -> profile_summary, or errc::unknown_user likewise.
///  - (stats_atom) -> directory_stats
caf::behavior directory_actor(caf::stateful_actor<directory_state>* self, session_env env);

} // namespace cohort::actors
