#include "cluster/events_front.hpp"

#include <caf/all.hpp>

#include "cluster/log_records.hpp"
#include "cluster/partitioning.hpp"

namespace cohort::cluster {

namespace {

using front_ptr = caf::stateful_actor<events_front_state>*;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;

/// Events resolved on the replica are stamped here; the others' indexes are returned.
std::vector<std::size_t> stamp_local(const actors::identity_graph& graph,
                                     actors::event_batch& batch) {
  std::vector<std::size_t> unresolved;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& ev = batch[i];
    auto where = graph.lookup(ev);
    if (!where) {
      unresolved.push_back(i);
      continue;
    }
    if (where->profile != ev.user_key())
      ev.profile_id = std::move(where->profile);
    if (where->origin != ev.route_key())
      ev.origin = std::move(where->origin);
  }
  return unresolved;
}

/// Produces every event of `batch`; the request `id` is answered once all are held.
void produce_all(front_ptr self, const front_context& ctx, std::uint64_t id,
                 actors::event_batch batch) {
  auto topic = topic_name(ctx.options, topics::events);
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.requests.at(id).outstanding = batch.size();
  for (auto& ev : batch) {
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

} // namespace

caf::behavior events_front(front_ptr self, front_context ctx) {
  return {
    [=](actors::ingest_atom, actors::event_batch& batch) -> caf::result<std::uint64_t> {
      auto& st = self->state;
      auto id = ++st.next_request;
      auto promise = self->make_response_promise<std::uint64_t>();
      st.requests.emplace(id, events_front_state::waiting{promise, batch.size(), 0, {}});
      if (ctx.max_lag > 0 && ctx.members->lag() > ctx.max_lag) {
        fail(self, ctx, id, actors::make_error(actors::errc::overloaded));
        return promise;
      }
      for (auto& ev : batch)
        if (ev.message_id.empty())
          ev.message_id = "cohort:" + ctx.node_id + ":" + ctx.boot_id + ":"
                          + std::to_string(++st.next_message);
      auto unresolved = stamp_local(*ctx.graph, batch);
      if (unresolved.empty()) {
        produce_all(self, ctx, id, std::move(batch));
        return promise;
      }
      actors::event_batch asked;
      for (auto i : unresolved)
        asked.push_back(batch[i]);
      self->request(ctx.locator, ctx.timeout, resolve_atom::value, std::move(asked))
        .then(
          [=, batch = std::move(batch)](actors::event_batch& stamped) mutable {
            for (std::size_t k = 0; k < unresolved.size() && k < stamped.size(); ++k)
              batch[unresolved[k]] = std::move(stamped[k]);
            produce_all(self, ctx, id, std::move(batch));
          },
          [=](caf::error& e) { fail(self, ctx, id, std::move(e)); });
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
      ctx.flow->release(static_cast<std::int64_t>(w.count));
      w.promise.deliver(static_cast<std::uint64_t>(w.count));
      self->state.requests.erase(it);
    },
  };
}

} // namespace cohort::cluster
