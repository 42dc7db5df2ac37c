#include "actors/ingest_actor.hpp"

#include <functional>
#include <iostream>
#include <string>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace cohort::actors {

namespace {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using ingest_ptr = caf::stateful_actor<ingest_state>*;

constexpr auto shard_timeout = std::chrono::seconds(120);

/// Sends each user's events, in order, to the user's directory shard.
void route_all(const router& route, ingest_ptr self, event_batch& batch) {
  std::unordered_map<std::string, event_batch> per_user;
  for (auto& ev : batch)
    per_user[ev.user_key()].push_back(std::move(ev));
  for (auto& [key, events] : per_user)
    self->send(route.shard_for(key), route_atom::value, key, std::move(events));
}

/// Writes the waiting group in one append, then routes and acknowledges it.
void commit(ingest_ptr self, const router& route, journal& store, flow_control& flow) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  auto written = store.append(st.group);
  if (!written) {
    flow.release(static_cast<std::int64_t>(st.group.size()));
    auto err = caf::make_error(caf::sec::runtime_error, written.error().reason);
    for (auto& w : st.pending)
      w.promise.deliver(err);
  } else {
    st.last_seq = st.group.back().seq;
    st.accepted += st.group.size();
    route_all(route, self, st.group);
    for (auto& w : st.pending)
      w.promise.deliver(static_cast<std::uint64_t>(w.count));
  }
  st.pending.clear();
  st.group.clear();
}

/// Snapshot round on every shard, then the checkpoint record and log truncation.
/// `done` gets the sequence number covered by the latest checkpoint.
void checkpoint(ingest_ptr self, const router& route, std::shared_ptr<journal> store,
                std::function<void(std::uint64_t)> done) {
  auto& st = self->state;
  auto upto = st.last_seq;
  if (st.checkpointing || upto == st.checkpointed) {
    done(st.checkpointed);
    return;
  }
  st.checkpointing = true;
  auto remaining = std::make_shared<std::size_t>(route.shards().size());
  auto failed = std::make_shared<bool>(false);
  auto finish = [=]() mutable {
    self->state.checkpointing = false;
    if (!*failed) {
      if (auto done = store->checkpoint(upto); done)
        self->state.checkpointed = upto;
      else
        std::cerr << "cohortd: checkpoint failed: " << done.error().reason << std::endl;
    }
    done(self->state.checkpointed);
  };
  // Shards see this after every batch routed so far (same sender, same receiver: FIFO),
  // so each session's snapshot covers all its events up to `upto`.
  for (const auto& shard : route.shards())
    self->request(shard, shard_timeout, snapshot_atom::value)
      .then([=](bool) mutable { if (--*remaining == 0) finish(); },
            [=](caf::error&) mutable {
              *failed = true;
              if (--*remaining == 0)
                finish();
            });
}

} // namespace

caf::behavior ingest_actor(ingest_ptr self, router route, std::shared_ptr<journal> store,
                           std::shared_ptr<flow_control> flow, ingest_options options) {
  auto periodic = options.checkpoint_interval.count() > 0;
  if (periodic)
    self->delayed_send(self, options.checkpoint_interval, checkpoint_atom::value, true);
  return {
    [=](ingest_atom, event_batch& batch) {
      auto& st = self->state;
      auto rp = self->make_response_promise<std::uint64_t>();
      st.pending.push_back({rp, batch.size()});
      st.group.insert(st.group.end(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
      // Commit when nothing else is waiting or the group is large: under load many
      // requests share one write, when idle each request is written at once. A deferred
      // group is committed by a flush queued behind the messages waiting now.
      if (self->mailbox().empty() || st.group.size() >= options.max_group_events) {
        commit(self, route, *store, *flow);
      } else if (!st.flush_queued) {
        st.flush_queued = true;
        self->send(self, flush_atom::value);
      }
      return rp;
    },
    [=](flush_atom) {
      self->state.flush_queued = false;
      commit(self, route, *store, *flow);
    },
    [=](replay_atom, event_batch& batch) {
      auto n = batch.size();
      if (!batch.empty())
        self->state.last_seq = std::max(self->state.last_seq, batch.back().seq);
      route_all(route, self, batch);
      return static_cast<std::uint64_t>(n);
    },
    [=](checkpoint_atom) {
      commit(self, route, *store, *flow);
      auto rp = self->make_response_promise<std::uint64_t>();
      checkpoint(self, route, store, [rp](std::uint64_t seq) mutable { rp.deliver(seq); });
      return rp;
    },
    [=](checkpoint_atom, bool) {
      commit(self, route, *store, *flow);
      checkpoint(self, route, store, [](std::uint64_t) {});
      self->delayed_send(self, options.checkpoint_interval, checkpoint_atom::value, true);
    },
    [=](stats_atom) { return self->state.accepted; },
  };
}

} // namespace cohort::actors
