#include "cluster/partition_actor.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/transfer.hpp"

namespace cohort::cluster {

namespace {

using partition_ptr = caf::stateful_actor<partition_actor_state>*;

/// Sends each profile's events, in order, to the shard; a transfer step first flushes
/// what came before it, so each side meets it in log order.
void route(partition_ptr self, const caf::actor& shard, const caf::actor& handover,
           actors::flow_control& flow, record_batch& batch) {
  std::unordered_map<std::string, actors::event_batch> per_user;
  auto flush = [&] {
    actors::shard_batch out;
    for (auto& [key, events] : per_user)
      out.push_back({key, std::move(events)});
    if (!out.empty())
      self->send(shard, actors::route_atom::value, std::move(out));
    per_user.clear();
  };
  for (auto& record : batch) {
    switch (record.what) {
      case log_record::kind::event:
        per_user[record.ev.route_key()].push_back(std::move(record.ev));
        break;
      case log_record::kind::await:
        flush();
        self->send(shard, actors::transfer_atom::value, std::move(record.ev));
        break;
      case log_record::kind::transfer:
        flush();
        self->send(shard, actors::handover_atom::value, std::move(record.ev), handover);
        break;
      case log_record::kind::state:
        flush();
        // Anonymous: the receiver's confirmation is for a giver, not for this actor.
        caf::anon_send(shard, actors::handed_atom::value, std::move(record.ev),
                       actors::handover_reply{std::move(record.given), {}, false});
        // The owner admitted it as one record; the receiver's session releases nothing.
        flow.release(1);
        break;
    }
  }
  flush();
}

/// Records that are not events are not applied by a session: their room goes back now.
std::int64_t transfer_steps(const record_batch& batch) {
  std::int64_t n = 0;
  for (const auto& r : batch)
    n += r.what == log_record::kind::await || r.what == log_record::kind::transfer ? 1 : 0;
  return n;
}

} // namespace

caf::behavior partition_actor(partition_ptr self, caf::actor shard, caf::actor handover,
                              std::shared_ptr<state_journal> journal,
                              std::shared_ptr<actors::flow_control> flow,
                              std::chrono::milliseconds interval,
                              std::shared_ptr<std::atomic<std::int64_t>> applied) {
  self->delayed_send(self, interval, actors::checkpoint_atom::value, true);
  auto shards = std::vector<caf::actor>{shard};
  return {
    [=](actors::replay_atom, record_batch& batch) {
      if (batch.empty())
        return;
      auto& progress = self->state.progress;
      progress.last_seq = std::max(progress.last_seq, batch.back().ev.seq);
      applied->store(static_cast<std::int64_t>(progress.last_seq));
      flow->release(transfer_steps(batch));
      route(self, shard, handover, *flow, batch);
    },
    [=](actors::checkpoint_atom) {
      auto rp = self->make_response_promise<std::uint64_t>();
      actors::checkpoint(self, &self->state.progress, shards, journal, caf::timespan{0},
                         [rp](std::uint64_t seq) mutable { rp.deliver(seq); });
      return rp;
    },
    [=](actors::checkpoint_atom, bool) {
      // Spread over half the interval: done before the next, with room for the events.
      actors::checkpoint(self, &self->state.progress, shards, journal,
                         caf::timespan{interval / 2}, [](std::uint64_t) {});
      self->delayed_send(self, interval, actors::checkpoint_atom::value, true);
    },
  };
}

} // namespace cohort::cluster
