#include "actors/ingest_actor.hpp"

#include <caf/all.hpp>

#include <string>
#include <unordered_map>

#include "actors/messages.hpp"

namespace cohort::actors {

caf::behavior ingest_actor(caf::stateful_actor<ingest_state>* self, router route) {
  return {
    [=](ingest_atom, event_batch& batch) -> std::uint64_t {
      std::unordered_map<std::string, event_batch> per_user;
      for (auto& ev : batch)
        per_user[ev.user_key()].push_back(std::move(ev));
      for (auto& [key, events] : per_user)
        self->send(route.shard_for(key), route_atom::value, key, std::move(events));
      self->state.accepted += batch.size();
      return batch.size();
    },
    [=](stats_atom) { return self->state.accepted; },
  };
}

} // namespace cohort::actors
