#include "actors/session_actor.hpp"

#include <caf/all.hpp>

#include "actors/publisher_actor.hpp"
#include "codecs/time.hpp"

namespace cohort::actors {

namespace {

std::string late_reason(const codecs::event& ev, const session_limits& limits) {
  return "late: event time " + codecs::format_iso8601(ev.timestamp_ms)
         + " is older than the user's latest event time minus allowed lateness ("
         + std::to_string(limits.allowed_lateness_ms / 1000) + "s)";
}

} // namespace

caf::behavior session_actor(caf::stateful_actor<session_actor_state>* self, std::string key,
                            session_env env) {
  self->state.user.emplace(std::move(key), env.limits);
  return {
    [=](apply_atom, const event_batch& batch) {
      auto model = env.model->get();
      auto& user = *self->state.user;
      std::vector<change_event> changes;
      for (const auto& ev : batch) {
        if (user.apply(ev, *model, changes) == session_state::outcome::late)
          self->send(env.dead_letters, dead_letter_atom::value, late_reason(ev, env.limits),
                     ev);
      }
      for (auto& change : changes)
        self->send(env.publisher, publish_atom::value, std::move(change));
    },
    [=](profile_atom) -> profile { return self->state.user->view(*env.model->get()); },
    [=](summary_atom) {
      const auto& user = *self->state.user;
      return profile_summary{user.segment(), user.score(), user.tags()};
    },
  };
}

} // namespace cohort::actors
