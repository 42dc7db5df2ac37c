#include "actors/session_actor.hpp"

#include <iostream>

#include <caf/all.hpp>

#include "actors/publisher_actor.hpp"
#include "codecs/time.hpp"

namespace cohort::actors {

namespace {

using session_ptr = caf::stateful_actor<session_actor_state>*;

std::string late_reason(const codecs::event& ev, const session_limits& limits) {
  return "late: event time " + codecs::format_iso8601(ev.timestamp_ms)
         + " is older than the user's latest event time minus allowed lateness ("
         + std::to_string(limits.allowed_lateness_ms / 1000) + "s)";
}

void apply(session_ptr self, const session_env& env, const event_batch& batch) {
  auto model = env.model->get();
  auto& user = *self->state.user;
  std::vector<change_event> changes;
  for (const auto& ev : batch) {
    auto outcome = user.apply(ev, *model, changes);
    if (outcome == session_state::outcome::late)
      self->send(env.dead_letters, dead_letter_atom::value, late_reason(ev, env.limits), ev);
    else if (outcome == session_state::outcome::duplicate && env.dedup_hits)
      ++*env.dedup_hits;
  }
  for (auto& change : changes)
    self->send(env.publisher, publish_atom::value, std::move(change));
  ++self->state.batches;
  env.flow->release(static_cast<std::int64_t>(batch.size()));
}

/// Writes the state if events were applied since the last write.
result<bool> save(session_ptr self, const session_env& env) {
  auto& user = *self->state.user;
  if (!user.dirty())
    return true;
  return env.store->put_snapshot(user.user_key(), user.snapshot());
}

void passivate(session_ptr self, const session_env& env, const caf::actor_addr& dir_addr) {
  // The directory is held weakly: directory and session referring to each other strongly
  // would keep both alive forever.
  auto directory = caf::actor_cast<caf::actor>(dir_addr);
  if (!directory)
    return;
  if (auto saved = save(self, env); !saved) {
    // Staying alive keeps the state; the next idle timeout tries again.
    std::cerr << "cohortd: cannot passivate " << self->state.user->user_key() << ": "
              << saved.error().reason << std::endl;
    return;
  }
  self->request(directory, caf::infinite, passivate_atom::value, self->state.user->user_key(),
                self->state.batches)
    .then([=](bool released) {
      if (released)
        self->quit();
    });
}

} // namespace

caf::behavior session_actor(session_ptr self, std::string key, session_env env,
                            caf::actor_addr directory, session_state initial) {
  self->state.user.emplace(std::move(initial));
  return {
    [=](apply_atom, const event_batch& batch) { apply(self, env, batch); },
    [=](profile_atom) -> profile { return self->state.user->view(*env.model->get()); },
    [=](summary_atom) {
      const auto& user = *self->state.user;
      return profile_summary{user.segment(), user.score(), user.tags(), user.events(),
                             user.latest_ms(), self->mailbox().size()};
    },
    [=](snapshot_atom) -> caf::result<bool> {
      auto saved = save(self, env);
      if (!saved)
        return caf::make_error(caf::sec::runtime_error, saved.error().reason);
      return true;
    },
    // An infinite duration (passivation off) arms no timer.
    caf::after(env.passivate_after) >> [=] { passivate(self, env, directory); },
  };
}

} // namespace cohort::actors
