#pragma once

#include <memory>
#include <optional>
#include <string>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/session_state.hpp"

namespace cohort::actors {

using dead_letter_atom = caf::atom_constant<caf::atom("deadlettr")>;

/// What every session actor shares: limits, the current model, and where its outputs go.
struct session_env {
  session_limits limits;
  std::shared_ptr<model_holder> model;
  caf::actor publisher;     ///< Receives (publish_atom, change_event).
  caf::actor dead_letters;  ///< Receives (dead_letter_atom, reason, event) for late events.
};

/// The actor state wrapper: CAF default-constructs it, the behavior fills it.
struct session_actor_state {
  std::optional<session_state> user;
  static inline const char* name = "cohort.session";
};

/// One actor per user key: applies routed event batches in arrival order, publishes
/// segment and tag changes, hands late events to the dead-letter sink, and answers
/// profile queries. It never fails a batch; duplicates are counted, not applied.
///  - (apply_atom, event_batch)  -> void
///  - (profile_atom)             -> profile
///  - (summary_atom)             -> profile_summary
caf::behavior session_actor(caf::stateful_actor<session_actor_state>* self, std::string key,
                            session_env env);

} // namespace cohort::actors
