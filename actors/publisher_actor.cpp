#include "actors/publisher_actor.hpp"

#include <algorithm>

#include <caf/all.hpp>

namespace cohort::actors {

namespace {

using publisher = caf::stateful_actor<publisher_state>;

std::unordered_map<std::string, subscriber_set>& index_of(publisher* self,
                                                          subscription::kind type) {
  return type == subscription::kind::user ? self->state.by_user : self->state.by_segment;
}

bool same(const subscription& a, const subscription& b) {
  return a.type == b.type && a.key == b.key;
}

void subscribe(publisher* self, const subscription& sub, const caf::actor& who) {
  if (!who)
    return;
  auto [it, first] = self->state.subscribed.try_emplace(who.id());
  auto& subs = it->second;
  if (std::any_of(subs.begin(), subs.end(), [&](const auto& s) { return same(s, sub); }))
    return;
  if (self->state.subscriptions >= self->state.limits.max_subscriptions) {
    ++self->state.refused;
    if (first)
      self->state.subscribed.erase(it);
    return;
  }
  if (first)
    self->monitor(who);
  subs.push_back(sub);
  ++self->state.subscriptions;
  index_of(self, sub.type)[sub.key].emplace(who.id(), who);
}

/// Removes `who` from the index entry of `sub`, dropping the entry when it empties so
/// that keys nobody watches any more cost nothing.
void drop_from_index(publisher* self, const subscription& sub, caf::actor_id who) {
  auto& index = index_of(self, sub.type);
  auto it = index.find(sub.key);
  if (it == index.end())
    return;
  it->second.erase(who);
  if (it->second.empty())
    index.erase(it);
}

void unsubscribe(publisher* self, const subscription& sub, const caf::actor& who) {
  if (!who)
    return;
  auto it = self->state.subscribed.find(who.id());
  if (it == self->state.subscribed.end())
    return;
  auto& subs = it->second;
  auto pos = std::find_if(subs.begin(), subs.end(), [&](const auto& s) { return same(s, sub); });
  if (pos == subs.end())
    return;
  drop_from_index(self, sub, who.id());
  subs.erase(pos);
  --self->state.subscriptions;
  if (subs.empty()) {
    self->demonitor(who);
    self->state.subscribed.erase(it);
  }
}

void forget(publisher* self, caf::actor_id who) {
  auto it = self->state.subscribed.find(who);
  if (it == self->state.subscribed.end())
    return;
  for (const auto& sub : it->second)
    drop_from_index(self, sub, who);
  self->state.subscriptions -= it->second.size();
  self->state.subscribed.erase(it);
}

bool is_identity_change(const change_event& ev) {
  return ev.type == change_event::kind::profile_merged
         || ev.type == change_event::kind::profile_unmerged;
}

const subscriber_set* find(const std::unordered_map<std::string, subscriber_set>& index,
                           const std::string& key) {
  if (key.empty())
    return nullptr;
  auto it = index.find(key);
  return it == index.end() ? nullptr : &it->second;
}

/// The subscriber sets an event matches; at most three (user, from, to).
std::vector<const subscriber_set*> matches(publisher* self, const change_event& ev) {
  std::vector<const subscriber_set*> out;
  auto add = [&](const subscriber_set* s) {
    if (s != nullptr && std::find(out.begin(), out.end(), s) == out.end())
      out.push_back(s);
  };
  add(find(self->state.by_user, ev.user_id));
  if (is_identity_change(ev)) {
    add(find(self->state.by_user, ev.from));
    return out;
  }
  add(find(self->state.by_segment, ev.to));
  if (ev.type == change_event::kind::segment_change)
    add(find(self->state.by_segment, ev.from));
  return out;
}

/// After a merge, whoever watched the merged profile watches the surviving one.
void follow_merge(publisher* self, const change_event& ev) {
  const auto* watching = find(self->state.by_user, ev.from);
  if (watching == nullptr)
    return;
  std::vector<caf::actor> who;
  for (const auto& entry : *watching)
    who.push_back(entry.second);
  for (const auto& w : who)
    subscribe(self, subscription{subscription::kind::user, ev.user_id}, w);
}

void publish(publisher* self, change_event&& ev) {
  ++self->state.published;
  if (ev.type == change_event::kind::profile_merged)
    follow_merge(self, ev);
  auto sets = matches(self, ev);
  if (sets.empty())
    return;
  // One message shared (copy-on-write) by all subscribers instead of a copy per send.
  auto msg = caf::make_message(std::move(ev));
  auto deliver = [&](const caf::actor& who) {
    self->send(who, msg);
    ++self->state.delivered;
  };
  if (sets.size() == 1) {
    for (const auto& [id, who] : *sets.front())
      deliver(who);
    return;
  }
  // A subscriber watching both the user and a segment gets the event once.
  auto& seen = self->state.seen;
  seen.clear();
  for (const auto* set : sets)
    for (const auto& [id, who] : *set)
      if (seen.insert(id).second)
        deliver(who);
}

publisher_stats stats_of(publisher* self) {
  publisher_stats out;
  out.subscribers = self->state.subscribed.size();
  out.subscriptions = self->state.subscriptions;
  out.published = self->state.published;
  out.delivered = self->state.delivered;
  out.refused = self->state.refused;
  return out;
}

} // namespace

caf::behavior publisher_actor(caf::stateful_actor<publisher_state>* self,
                              publisher_limits limits) {
  self->state.limits = limits;
  self->set_down_handler([=](caf::down_msg& msg) { forget(self, msg.source.id()); });
  // Subscribers are not linked (a closing connection must not take the publisher down),
  // so only the node's shutdown reaches this handler.
  self->set_exit_handler([=](caf::exit_msg& msg) { self->quit(msg.reason); });
  return {
    [=](publish_atom, change_event& ev) { publish(self, std::move(ev)); },
    [=](subscribe_atom, const subscription& sub, const caf::actor& who) {
      subscribe(self, sub, who);
    },
    [=](unsubscribe_atom, const subscription& sub, const caf::actor& who) {
      unsubscribe(self, sub, who);
    },
    [=](stats_atom) { return stats_of(self); },
  };
}

} // namespace cohort::actors
