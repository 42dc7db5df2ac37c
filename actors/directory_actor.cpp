#include "actors/directory_actor.hpp"

#include <caf/all.hpp>

#include "actors/session_actor.hpp"

namespace cohort::actors {

namespace {

const caf::actor& find_or_spawn(caf::stateful_actor<directory_state>* self,
                                const std::string& key) {
  auto& sessions = self->state.sessions;
  auto it = sessions.find(key);
  if (it != sessions.end())
    return it->second;
  auto session = self->spawn<caf::lazy_init>(session_actor, key, self->state.env);
  self->monitor(session);
  self->state.keys.emplace(session.id(), key);
  ++self->state.spawned;
  return sessions.emplace(key, std::move(session)).first->second;
}

/// Hands a query to the key's session actor, whose reply goes straight to the asker.
template <class Result, class Atom>
caf::result<Result> forward_query(caf::stateful_actor<directory_state>* self,
                                  const std::string& key, Atom atom) {
  auto it = self->state.sessions.find(key);
  if (it == self->state.sessions.end())
    return make_error(errc::unknown_user);
  self->delegate(it->second, atom);
  return caf::delegated<Result>{};
}

} // namespace

caf::behavior directory_actor(caf::stateful_actor<directory_state>* self, session_env env) {
  self->state.env = std::move(env);
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& keys = self->state.keys;
    auto it = keys.find(msg.source.id());
    if (it == keys.end())
      return;
    self->state.sessions.erase(it->second);
    keys.erase(it);
  });
  // Sessions are not linked (one failing user must not take the shard down), so an
  // exiting directory takes them down explicitly.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (const auto& [key, session] : self->state.sessions)
      self->send_exit(session, msg.reason);
    self->quit(msg.reason);
  });
  return {
    [=](route_atom, const std::string& key, event_batch& batch) {
      self->send(find_or_spawn(self, key), apply_atom::value, std::move(batch));
    },
    [=](profile_atom atom, const std::string& key) -> caf::result<profile> {
      return forward_query<profile>(self, key, atom);
    },
    [=](summary_atom atom, const std::string& key) -> caf::result<profile_summary> {
      return forward_query<profile_summary>(self, key, atom);
    },
    [=](stats_atom) {
      return directory_stats{self->state.sessions.size(), self->state.spawned};
    },
  };
}

} // namespace cohort::actors
