#pragma once

// Directory actors (shards) over an in-memory journal, for actor tests: the session_env
// they share is built in one place, so that a field added to it is set in every test.

#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>

#include "actor_fixture.hpp"
#include "actors/directory_actor.hpp"
#include "actors/messages.hpp"
#include "actors/publisher_actor.hpp"
#include "actors/session_actor.hpp"
#include "codecs/event.hpp"
#include "memory_journal.hpp"
#include "model_fixture.hpp"

namespace cohort::test {

/// Shards on the test coordinator, sharing one in-memory journal and flow control.
struct directory_fixture : actor_fixture {
  /// The env of a shard: the SPEC model, a publisher of its own, `self` as dead-letter
  /// sink, this fixture's journal and flow control, no webhooks. What tests vary: the
  /// idle sweep period (infinite: none), the live-session cap (0: none), and the
  /// forwarder of events of profiles a merge moved away (null: none, as on one node).
  actors::session_env shard_env(caf::duration passivate_after = caf::infinite,
                                std::size_t max_live = 0, caf::actor forwarder = {}) {
    return actors::session_env{actors::session_limits{},
                               std::make_shared<actors::model_holder>(spec_model()),
                               sys.spawn(actors::publisher_actor, actors::publisher_limits{}),
                               self,
                               store,
                               flow,
                               passivate_after,
                               nullptr,
                               std::move(forwarder),
                               max_live,
                               nullptr};
  }

  /// A shard with shard_env(passivate_after, max_live, forwarder).
  caf::actor spawn_directory(caf::duration passivate_after = caf::infinite,
                             std::size_t max_live = 0, caf::actor forwarder = {}) {
    return sys.spawn(actors::directory_actor,
                     shard_env(passivate_after, max_live, std::move(forwarder)));
  }

  /// Takes room for `ev` in the flow control, as ingest does, and sends it to `shard` as
  /// a batch of one (it runs with the next run()).
  void send_event(const caf::actor& shard, codecs::event ev) {
    flow->try_admit(1);
    auto key = ev.user_key();
    self->send(shard, actors::route_atom::value, key, actors::event_batch{std::move(ev)});
  }

  /// `shard`'s counters (live, spawned, passivated, evictions).
  actors::directory_stats stats_of(const caf::actor& shard) {
    return ask<actors::directory_stats>(shard, actors::stats_atom::value);
  }

  std::shared_ptr<memory_journal> store = std::make_shared<memory_journal>();
  std::shared_ptr<actors::flow_control> flow = std::make_shared<actors::flow_control>(1000);
};

} // namespace cohort::test
