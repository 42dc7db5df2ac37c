#include "cluster/events_front.hpp"

#include <caf/all.hpp>

#include "cluster/log_records.hpp"
#include "cluster/partitioning.hpp"

namespace cohort::cluster {

namespace {

using front_ptr = caf::stateful_actor<events_front_state>*;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;

/// Stamps the events of `batch` the replica resolves, up to the first it cannot; returns
/// that one's index (batch.size() if there is none).
std::size_t stamp_local(const actors::identity_graph& graph, actors::event_batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& ev = batch[i];
    auto where = graph.lookup(ev);
    if (!where)
      return i;
    if (where->profile != ev.user_key())
      ev.profile_id = std::move(where->profile);
    if (where->origin != ev.route_key())
      ev.origin = std::move(where->origin);
  }
  return batch.size();
}

/// Produces every event of `part`; the request `id` goes on when all are held.
void produce_all(front_ptr self, const front_context& ctx, std::uint64_t id,
                 actors::event_batch part) {
  auto topic = kafka::topic_name(ctx.options, kafka::topics::events);
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.requests.at(id).outstanding = part.size();
  for (auto& ev : part) {
    auto key = ev.route_key();
    auto partition = partition_of(key, ctx.options.partitions);
    ctx.producer->produce(topic, partition, std::move(key),
                          encode(log_record{log_record::kind::event, std::move(ev), {}}),
                          [me, id](result<std::int64_t> offset) {
                            caf::anon_send(me, delivered_atom::value, id,
                                           offset ? std::string{} : offset.error().reason);
                          });
  }
}

void fail(front_ptr self, const front_context& ctx, std::uint64_t id, caf::error err) {
  auto it = self->state.requests.find(id);
  if (it == self->state.requests.end())
    return;
  ctx.flow->release(static_cast<std::int64_t>(it->second.count));
  it->second.promise.deliver(std::move(err));
  self->state.requests.erase(it);
}

/// Hands the rest of request `id` to the sequencer, which resolves and writes it in
/// order with the merges it makes, and answers the request once it holds them.
void resolve_rest(front_ptr self, const front_context& ctx, std::uint64_t id) {
  auto rest = std::exchange(self->state.requests.at(id).rest, {});
  self->request(ctx.locator, ctx.timeout, resolve_atom::value, std::move(rest))
    .then(
      [=](std::uint64_t) {
        auto it = self->state.requests.find(id);
        ctx.flow->release(static_cast<std::int64_t>(it->second.count));
        it->second.promise.deliver(static_cast<std::uint64_t>(it->second.count));
        self->state.requests.erase(it);
      },
      [=](caf::error& e) { fail(self, ctx, id, std::move(e)); });
}

} // namespace

caf::behavior events_front(front_ptr self, front_context ctx) {
  return {
    [=](actors::ingest_atom, actors::event_batch& batch) -> caf::result<std::uint64_t> {
      auto& st = self->state;
      auto id = ++st.next_request;
      auto promise = self->make_response_promise<std::uint64_t>();
      st.requests.emplace(id, events_front_state::waiting{promise, batch.size(), 0, {}, {}});
      if (ctx.max_lag > 0 && ctx.members->lag() > ctx.max_lag) {
        fail(self, ctx, id, actors::make_error(actors::errc::overloaded));
        return promise;
      }
      for (auto& ev : batch)
        if (ev.message_id.empty())
          ev.message_id = "cohort:" + ctx.node_id + ":" + ctx.boot_id + ":"
                          + std::to_string(++st.next_message);
      auto first = stamp_local(*ctx.graph, batch);
      auto& rest = st.requests.at(id).rest;
      rest.assign(std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(first)),
                  std::make_move_iterator(batch.end()));
      batch.resize(first);
      if (batch.empty() && rest.empty()) {
        st.requests.erase(id);
        promise.deliver(std::uint64_t{0});
        return promise;
      }
      if (batch.empty())
        resolve_rest(self, ctx, id);
      else
        produce_all(self, ctx, id, std::move(batch));
      return promise;
    },
    [=](delivered_atom, std::uint64_t id, const std::string& failure) {
      auto it = self->state.requests.find(id);
      if (it == self->state.requests.end())
        return;
      auto& w = it->second;
      if (!failure.empty() && w.failure.empty())
        w.failure = failure;
      if (--w.outstanding > 0)
        return;
      if (!w.failure.empty()) {
        fail(self, ctx, id, caf::make_error(caf::sec::runtime_error, "not held by Kafka: " + w.failure));
        return;
      }
      if (!w.rest.empty()) {
        resolve_rest(self, ctx, id);
        return;
      }
      ctx.flow->release(static_cast<std::int64_t>(w.count));
      w.promise.deliver(static_cast<std::uint64_t>(w.count));
      self->state.requests.erase(it);
    },
  };
}

} // namespace cohort::cluster
