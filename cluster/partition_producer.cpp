#include "cluster/partition_producer.hpp"

#include <iostream>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/transfer.hpp"
#include "cluster/log_records.hpp"
#include "cluster/partitioning.hpp"

namespace cohort::cluster {

namespace {

using producer_ptr = caf::stateful_actor<partition_producer_state>*;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;

/// Pause before producing a record again whose delivery failed.
constexpr auto retry_delay = std::chrono::milliseconds(200);

/// One record to produce, keyed and placed by its profile.
struct outgoing {
  std::string key;
  std::string value;
  std::uint64_t id = 0;  ///< Of a waiting giver, or 0.
};

} // namespace
} // namespace cohort::cluster

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cohort::cluster::outgoing)

namespace cohort::cluster {

namespace {

/// Produces `out` (tracked by the journal); the delivery comes back as a message.
void produce(producer_ptr self, const std::shared_ptr<state_journal>& journal,
             const std::string& topic, int partitions, outgoing out) {
  auto partition = partition_of(out.key, partitions);
  auto me = caf::actor_cast<caf::actor>(self);
  auto copy = out;
  journal->produce_tracked(topic, partition, std::move(out.key), std::move(out.value),
                           [me, copy](result<std::int64_t> offset) {
                             if (offset)
                               caf::anon_send(me, delivered_atom::value, copy.id);
                             else
                               caf::anon_send(me, retry_atom::value, copy, offset.error().reason);
                           });
}

/// The giver's side once its state is held by the receiver's partition: its remaining
/// parts (an unmerge), or a stub that forwards its later events (a merge).
void write_giver(const std::shared_ptr<state_journal>& journal, const actors::transfer_plan& plan,
                 const actors::handover_reply& reply) {
  auto written = reply.retired ? journal->put_snapshot(plan.giver, actors::forward_stub(plan.receiver))
                 : reply.remaining.empty() ? result<bool>{true}
                                           : journal->put_snapshot(plan.giver, reply.remaining);
  if (!written)
    std::cerr << "cohortd: transfer " << plan.id << ": giver " << plan.giver
              << " not written: " << written.error().reason << std::endl;
}

} // namespace

caf::behavior partition_producer(producer_ptr self, std::shared_ptr<state_journal> journal,
                                 std::string events_topic, int partitions) {
  return {
    [=](actors::handed_atom, codecs::event& record, actors::handover_reply& reply)
      -> caf::result<bool> {
      auto plan = actors::plan_of(record);
      auto id = ++self->state.next_id;
      auto promise = self->make_response_promise<bool>();
      log_record state{log_record::kind::state, std::move(record), std::move(reply.given)};
      produce(self, journal, events_topic, partitions, {plan.receiver, encode(state), id});
      // The giver's side is written only once the receiver's partition holds the state:
      // a stub stored before would lose the state to a crash in between.
      self->state.waiting.emplace(id, partition_producer_state::giver{promise, std::move(plan),
                                                                      std::move(reply)});
      return promise;
    },
    [=](actors::forward_atom, const std::string& receiver, actors::event_batch& batch) {
      for (auto& ev : batch) {
        ev.profile_id = receiver;
        ev.seq = 0;
        ev.partition = 0;
        ev.packed = {};
        produce(self, journal, events_topic, partitions,
                {receiver, encode(log_record{log_record::kind::event, std::move(ev), {}}), 0});
      }
    },
    [=](delivered_atom, std::uint64_t id) {
      if (auto it = self->state.waiting.find(id); it != self->state.waiting.end()) {
        write_giver(journal, it->second.plan, it->second.reply);
        it->second.promise.deliver(true);
        self->state.waiting.erase(it);
      }
    },
    [=](retry_atom, outgoing& out, const std::string& reason) {
      std::cerr << "cohortd: partition " << journal->partition() << ": record for " << out.key
                << " not delivered (" << reason << "); producing it again" << std::endl;
      self->delayed_send(self, retry_delay, retry_atom::value, std::move(out));
    },
    [=](retry_atom, outgoing& out) {
      produce(self, journal, events_topic, partitions, std::move(out));
    },
  };
}

} // namespace cohort::cluster
