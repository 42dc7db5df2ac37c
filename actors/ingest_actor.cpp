#include "actors/ingest_actor.hpp"

#include <functional>
#include <iostream>
#include <string>
#include <string_view>

#include <caf/all.hpp>

#include "actors/checkpoint.hpp"
#include "actors/key_table.hpp"
#include "actors/messages.hpp"
#include "actors/transfer.hpp"
#include "codecs/time.hpp"

namespace cohort::actors {

namespace {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using ingest_ptr = caf::stateful_actor<ingest_state>*;

/// The profiles of a run of events, in first-seen order, each with its events and shard.
struct profile_groups {
  std::vector<keyed_batch> profiles;
  std::vector<std::uint32_t> shard_of;  ///< per profile
  std::vector<std::size_t> sizes;       ///< profiles per shard
};

/// Groups batch[first, last) by profile, moving the events. Grouped through a table of
/// views into the events' own keys, so that a profile costs one allocation (its events'
/// vector, and its key when longer than a short string), not a map node as well.
profile_groups group_by_profile(const router& route, event_batch& batch, std::size_t first,
                                std::size_t last) {
  profile_groups out;
  out.profiles.reserve(last - first);
  out.shard_of.reserve(last - first);
  out.sizes.resize(route.shards().size());
  // First every event's profile, while the events (which the views point into) stay put.
  key_table<std::uint32_t, std::string_view> index;
  std::vector<std::uint32_t> profile_of(last - first);
  for (auto i = first; i < last; ++i) {
    const auto& key = batch[i].route_key();
    auto [at, added] = index.find_or_insert(key);
    if (added) {
      *at = static_cast<std::uint32_t>(out.profiles.size());
      out.profiles.push_back({key, {}});
      auto shard = static_cast<std::uint32_t>(route.index_for(key));
      out.shard_of.push_back(shard);
      ++out.sizes[shard];
    }
    profile_of[i - first] = *at;
  }
  for (auto i = first; i < last; ++i)
    out.profiles[profile_of[i - first]].events.push_back(std::move(batch[i]));
  return out;
}

/// Sends each profile's events of batch[first, last) (no transfer records among them), in
/// order, to its directory shard: one message per shard.
void route_events(const router& route, ingest_ptr self, event_batch& batch, std::size_t first,
                  std::size_t last) {
  if (first == last)
    return;
  auto groups = group_by_profile(route, batch, first, last);
  // Each shard's list sized before it is filled: grown profile by profile, every shard's
  // list would be reallocated a few times per commit.
  const auto& shards = route.shards();
  std::vector<shard_batch> per_shard(shards.size());
  for (std::size_t s = 0; s < shards.size(); ++s)
    per_shard[s].reserve(groups.sizes[s]);
  for (std::size_t p = 0; p < groups.profiles.size(); ++p)
    per_shard[groups.shard_of[p]].push_back(std::move(groups.profiles[p]));
  for (std::size_t s = 0; s < shards.size(); ++s)
    if (!per_shard[s].empty())
      self->send(shards[s], route_atom::value, std::move(per_shard[s]));
}

/// Sends each profile's events, in order, to its directory shard. A transfer record goes
/// to both sides after every event before it and before every event after it, so that
/// the giver has applied what came before and the receiver waits for the state before
/// applying more. Each actor meets transfers in log order and a giver never waits to be
/// asked, so transfers in both directions (a merge, then its unmerge) cannot deadlock.
void route_all(const router& route, ingest_ptr self, event_batch& batch) {
  std::size_t run = 0;  // the first event not yet routed
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& ev = batch[i];
    if (!is_transfer(ev))
      continue;
    route_events(route, self, batch, run, i);
    run = i + 1;
    // The receiver is told first, so the state the giver sends it always arrives after.
    const auto& receiver_shard = route.shard_for(ev.user_id);
    self->send(receiver_shard, transfer_atom::value, ev);
    self->send(route.shard_for(ev.previous_id), handover_atom::value, std::move(ev),
               receiver_shard);
  }
  route_events(route, self, batch, run, batch.size());
}

/// Stamps `ev` with the profile and part of it `where` names, when not its own key.
void stamp(codecs::event& ev, resolution& where) {
  if (where.profile != ev.user_key())
    ev.profile_id = std::move(where.profile);
  if (where.origin != ev.route_key())
    ev.origin = std::move(where.origin);
}

/// Resolves every event's profile, stamping it, with the transfer records of the merges
/// it caused logged just before it. Without a merge (nearly always) the group is returned
/// as it is; only a merge rebuilds it, since every event moved costs a copy of its fields.
event_batch resolve_all(identity_graph& graph, event_batch& group) {
  event_batch out;
  bool rebuilt = false;
  for (std::size_t i = 0; i < group.size(); ++i) {
    auto& ev = group[i];
    auto where = graph.resolve(ev);
    if (!where.merges.empty() && !rebuilt) {
      rebuilt = true;
      out.reserve(group.size() + where.merges.size());
      out.insert(out.end(), std::make_move_iterator(group.begin()),
                 std::make_move_iterator(group.begin() + static_cast<std::ptrdiff_t>(i)));
    }
    for (const auto& merge : where.merges)
      out.push_back(transfer_record(merge, ev.received_ms));
    stamp(ev, where);
    if (rebuilt)
      out.push_back(std::move(ev));
  }
  return rebuilt ? std::move(out) : std::move(group);
}

/// After a failed write the graph holds links the store does not: back to the stored one.
void reload(identity_graph& graph, journal& store) {
  auto records = store.identity_records();
  auto loaded = records ? graph.load(*records) : result<bool>{records.error()};
  if (!loaded)
    std::cerr << "cohortd: identity graph reload failed: " << loaded.error().reason << std::endl;
}

/// Appends `logged` with the graph's new records and `positions` in one atomic write.
result<bool> append(identity_graph& graph, journal& store, event_batch& logged,
                    const keyed_writes& positions = {}) {
  auto written = store.append(logged, graph.take_writes(), positions);
  if (!written)
    reload(graph, store);
  return written;
}

/// Resolves and writes the waiting group in one append, then routes and acknowledges it.
void commit(ingest_ptr self, const router& route, journal& store, identity_graph& graph,
            flow_control& flow) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  auto events = st.group.size();
  auto logged = resolve_all(graph, st.group);
  auto written = append(graph, store, logged, st.positions);
  st.positions.clear();
  if (!written) {
    flow.release(static_cast<std::int64_t>(events));
    auto err = caf::make_error(caf::sec::runtime_error, written.error().reason);
    for (auto& w : st.pending)
      w.promise.deliver(err);
  } else {
    if (!logged.empty())  // a source's batch may hold positions only (every record refused)
      st.progress.last_seq = logged.back().seq;
    st.accepted += events;
    route_all(route, self, logged);
    for (auto& w : st.pending)
      w.promise.deliver(static_cast<std::uint64_t>(w.count));
  }
  st.pending.clear();
  st.group.clear();
}

/// Splits a profile: plans it in the graph, logs the transfer record, routes it.
unmerge_reply unmerge(ingest_ptr self, const router& route, journal& store,
                      identity_graph& graph, const std::string& id) {
  auto plan = graph.unmerge(id, codecs::now_ms());
  if (!plan)
    return {plan.error().status, plan.error().reason, {}, {}, {}};
  event_batch logged{transfer_record(*plan, codecs::now_ms())};
  if (auto written = append(graph, store, logged); !written)
    return {503, written.error().reason, {}, {}, {}};
  self->state.progress.last_seq = logged.back().seq;
  route_all(route, self, logged);
  return {200, {}, plan->giver, plan->receiver, plan->origins};
}

} // namespace

caf::behavior ingest_actor(ingest_ptr self, router route, std::shared_ptr<journal> store,
                           std::shared_ptr<identity_graph> graph,
                           std::shared_ptr<flow_control> flow, ingest_options options) {
  auto periodic = options.checkpoint_interval.count() > 0;
  if (periodic)
    self->delayed_send(self, options.checkpoint_interval, checkpoint_atom::value, true);
  // Joins the waiting group; commits when nothing else is waiting or the group is large:
  // under load many requests share one write, when idle each request is written at once.
  // A deferred group is committed by a flush queued behind the messages waiting now.
  auto enqueue = [=](event_batch& batch) {
    auto& st = self->state;
    auto rp = self->make_response_promise<std::uint64_t>();
    st.pending.push_back({rp, batch.size()});
    if (st.group.empty())  // alone or first: the batch itself, no event moved
      st.group = std::move(batch);
    else
      st.group.insert(st.group.end(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
    if (self->mailbox().empty() || st.group.size() >= options.max_group_events) {
      commit(self, route, *store, *graph, *flow);
    } else if (!st.flush_queued) {
      st.flush_queued = true;
      self->send(self, flush_atom::value);
    }
    return rp;
  };
  return {
    [=](ingest_atom, event_batch& batch) { return enqueue(batch); },
    [=](ingest_atom, event_batch& batch, position_writes& positions) {
      // Later positions of a partition come later in the write batch, so they win.
      for (auto& [key, value] : positions)
        self->state.positions.emplace_back(std::move(key), std::move(value));
      return enqueue(batch);
    },
    [=](flush_atom) {
      self->state.flush_queued = false;
      commit(self, route, *store, *graph, *flow);
    },
    [=](replay_atom, event_batch& batch) {
      auto n = batch.size();
      auto& progress = self->state.progress;
      if (!batch.empty())
        progress.last_seq = std::max(progress.last_seq, batch.back().seq);
      route_all(route, self, batch);
      return static_cast<std::uint64_t>(n);
    },
    [=](checkpoint_atom) {
      commit(self, route, *store, *graph, *flow);
      auto rp = self->make_response_promise<std::uint64_t>();
      checkpoint(self, &self->state.progress, route.shards(), store, caf::timespan{0},
                 [rp](std::uint64_t seq) mutable { rp.deliver(seq); });
      return rp;
    },
    [=](checkpoint_atom, bool) {
      commit(self, route, *store, *graph, *flow);
      // Spread over half the interval: done before the next, with room for its own work.
      checkpoint(self, &self->state.progress, route.shards(), store,
                 options.checkpoint_interval / 2, [](std::uint64_t) {});
      self->delayed_send(self, options.checkpoint_interval, checkpoint_atom::value, true);
    },
    [=](unmerge_atom, const std::string& id) {
      commit(self, route, *store, *graph, *flow);  // what was accepted before goes first
      return unmerge(self, route, *store, *graph, id);
    },
    [=](stats_atom) { return self->state.accepted; },
  };
}

} // namespace cohort::actors
