#pragma once

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

#include "storage/dead_letters.hpp"

namespace cohort::storage {

/// Lets actors hand events they refuse (late ones) to the durable dead-letter store:
///  - (dead_letter_atom, reason, event) -> void
/// A store failure is reported on stderr with the event, never dropped without a trace.
caf::behavior dead_letter_actor(caf::event_based_actor* self, dead_letters* store);

} // namespace cohort::storage
