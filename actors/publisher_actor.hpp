#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/change_event.hpp"
#include "actors/messages.hpp"

namespace cohort::actors {

using publish_atom = caf::atom_constant<caf::atom("publish")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsubscr")>;

/// What a subscriber wants: one user's changes, or every change into or out of a segment.
struct subscription {
  enum class kind : std::uint8_t { user, segment };
  kind type = kind::user;
  std::string key;  ///< The user id or the segment name.
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subscription& x) {
  return f(caf::meta::type_name("cohort.subscription"), x.type, x.key);
}

/// Bounds of the publisher. Each WebSocket connection bounds its own subscriptions, but
/// connections are many: this caps what all of them together make the publisher hold.
struct publisher_limits {
  std::size_t max_subscriptions = 1000000;  ///< Beyond it, subscribe is refused (counted).
};

/// Counters of the publisher (console, tests).
struct publisher_stats {
  std::uint64_t subscribers = 0;    ///< Distinct live subscriber actors.
  std::uint64_t subscriptions = 0;  ///< User and segment subscriptions in total.
  std::uint64_t published = 0;      ///< Change events received.
  std::uint64_t delivered = 0;      ///< Messages sent to subscribers.
  std::uint64_t refused = 0;        ///< Subscriptions refused at max_subscriptions.
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publisher_stats& x) {
  return f(caf::meta::type_name("cohort.publisher_stats"), x.subscribers, x.subscriptions,
           x.published, x.delivered, x.refused);
}

/// Subscribers of one key (a user id or a segment), by actor id for O(1) removal.
using subscriber_set = std::unordered_map<caf::actor_id, caf::actor>;

struct publisher_state {
  std::unordered_map<std::string, subscriber_set> by_user;
  std::unordered_map<std::string, subscriber_set> by_segment;
  /// What each live subscriber subscribed to: to forget it on down or exit.
  std::unordered_map<caf::actor_id, std::vector<subscription>> subscribed;
  std::unordered_set<caf::actor_id> seen;  ///< Scratch: dedup within one fan-out.
  publisher_limits limits;
  std::uint64_t subscriptions = 0;
  std::uint64_t published = 0;
  std::uint64_t delivered = 0;
  std::uint64_t refused = 0;
  static inline const char* name = "cohort.publisher";
};

/// Fans change events out to subscribers (WebSocket connections). Subscribers are
/// monitored and forgotten when they die. A subscriber gets each matching event once, even
/// when several of its subscriptions match it.
/// A segment subscription to S matches segment_change events with from == S or to == S,
/// and tags_change events of users whose current segment (`to`) is S. profile_merged
/// and profile_unmerged go to subscribers of either profile (`user_id`, `from`); after
/// a merge, subscribers of the merged profile follow the surviving one.
///  - (publish_atom, change_event) -> void
///  - (subscribe_atom, subscription, actor subscriber) -> void (idempotent)
///  - (unsubscribe_atom, subscription, actor subscriber) -> void (idempotent)
///  - (stats_atom) -> publisher_stats
/// A subscriber receives (change_event) messages.
/// (`limits` is also why this actor takes an argument at all: CAF 0.17 dereferences a
/// null argument tuple when a function-based actor is spawned with none, which the
/// sanitizer build reports and aborts on.)
caf::behavior publisher_actor(caf::stateful_actor<publisher_state>* self,
                              publisher_limits limits);

} // namespace cohort::actors
