#pragma once

#include <chrono>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

#include "storage/dead_letters.hpp"

namespace cohort::storage {

/// Lets actors hand events they refuse (late ones) to the durable dead-letter store:
///  - (dead_letter_atom, reason, event) -> void
/// and applies `limits` to the store every `interval` (prune_atom, sent to itself), so
/// that the store cannot grow without bound. A store failure is reported on stderr (with
/// the event), never dropped without a trace; a failed prune is tried again next time.
caf::behavior dead_letter_actor(caf::event_based_actor* self, dead_letters* store,
                                retention limits, std::chrono::milliseconds interval);

} // namespace cohort::storage
