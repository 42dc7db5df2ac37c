#include "cluster/sequencer_actor.hpp"

#include <iostream>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/transfer.hpp"
#include "cluster/cluster_messages.hpp"
#include "cluster/log_records.hpp"
#include "cluster/partitioning.hpp"
#include "codecs/time.hpp"

namespace cohort::cluster {

namespace {

using sequencer_ptr = caf::stateful_actor<sequencer_state>*;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;

constexpr auto retry_delay = std::chrono::milliseconds(200);

void produce(sequencer_ptr self, const std::shared_ptr<kafka_producer>& producer,
             sequenced_record record) {
  auto me = caf::actor_cast<caf::actor>(self);
  auto stage = self->state.stage;
  auto copy = record;
  producer->produce(std::move(record.topic), record.partition, std::move(record.key),
                    std::move(record.value), [me, stage, copy](result<std::int64_t> offset) {
                      if (offset)
                        caf::anon_send(me, delivered_atom::value, stage);
                      else
                        caf::anon_send(me, retry_atom::value, stage, copy, offset.error().reason);
                    });
}

/// Writes `records`, then runs `then` once all are held.
void stage(sequencer_ptr self, const std::shared_ptr<kafka_producer>& producer,
           std::vector<sequenced_record> records, std::function<void()> then) {
  auto& st = self->state;
  ++st.stage;
  if (records.empty()) {
    then();
    return;
  }
  st.outstanding = records.size();
  st.next = std::move(then);
  for (auto& r : records)
    produce(self, producer, std::move(r));
}

/// Runs the next job, if none runs.
void pump(sequencer_ptr self) {
  auto& st = self->state;
  if (st.busy || st.queue.empty())
    return;
  st.busy = true;
  auto job = std::move(st.queue.front());
  st.queue.pop_front();
  job();
}

void finish_job(sequencer_ptr self) {
  self->state.busy = false;
  pump(self);
}

} // namespace

caf::behavior sequencer_actor(sequencer_ptr self, std::shared_ptr<actors::identity_graph> graph,
                              std::shared_ptr<kafka_producer> producer, kafka_options options,
                              std::shared_ptr<const std::atomic<std::uint64_t>> epoch) {
  const auto identity = topic_name(options, topics::identity);
  const auto events = topic_name(options, topics::events);
  const int partitions = options.partitions;
  // The graph's writes, then the await of each plan (first stage) and its transfer
  // (second stage): the receiver waits before the giver can give.
  auto write_plans = [=](std::vector<actors::transfer_plan> plans, std::function<void()> done) {
    auto e = epoch->load();
    std::vector<sequenced_record> first, second;
    for (auto& [key, bytes] : graph->take_writes())
      first.push_back({identity, 0, key, encode_identity(e, bytes)});
    auto now = codecs::now_ms();
    for (auto& plan : plans) {
      plan.id = "T" + std::to_string(e) + "-" + std::to_string(++self->state.transfers);
      auto record = actors::transfer_record(plan, now);
      first.push_back({events, partition_of(plan.receiver, partitions), plan.receiver,
                       encode(log_record{log_record::kind::await, record, {}})});
      second.push_back({events, partition_of(plan.giver, partitions), plan.giver,
                        encode(log_record{log_record::kind::transfer, record, {}})});
    }
    stage(self, producer, std::move(first), [=, second = std::move(second)]() mutable {
      stage(self, producer, std::move(second), done);
    });
  };
  return {
    [=](resolve_atom, actors::event_batch& batch) -> caf::result<actors::event_batch> {
      if (epoch->load() == 0)
        return actors::make_error(actors::errc::moving);
      auto promise = self->make_response_promise<actors::event_batch>();
      self->state.queue.push_back([=, batch = std::move(batch)]() mutable {
        std::vector<actors::transfer_plan> plans;
        for (auto& ev : batch) {
          auto where = graph->resolve(ev);
          plans.insert(plans.end(), where.merges.begin(), where.merges.end());
          ev.profile_id = where.profile == ev.user_key() ? std::string{} : where.profile;
          ev.origin = where.origin == ev.route_key() ? std::string{} : where.origin;
        }
        write_plans(std::move(plans), [=]() mutable {
          promise.deliver(std::move(batch));
          finish_job(self);
        });
      });
      pump(self);
      return promise;
    },
    [=](actors::unmerge_atom, const std::string& id) -> caf::result<actors::unmerge_reply> {
      if (epoch->load() == 0)
        return actors::make_error(actors::errc::moving);
      auto promise = self->make_response_promise<actors::unmerge_reply>();
      self->state.queue.push_back([=]() mutable {
        auto plan = graph->unmerge(id, codecs::now_ms());
        if (!plan) {
          promise.deliver(actors::unmerge_reply{plan.error().status, plan.error().reason, {}, {}, {}});
          finish_job(self);
          return;
        }
        actors::unmerge_reply reply{200, {}, plan->giver, plan->receiver, plan->origins};
        write_plans({*plan}, [=]() mutable {
          promise.deliver(reply);
          finish_job(self);
        });
      });
      pump(self);
      return promise;
    },
    [=](delivered_atom, std::uint64_t stage_id) {
      auto& st = self->state;
      if (stage_id != st.stage || st.outstanding == 0)
        return;
      if (--st.outstanding == 0)
        std::exchange(st.next, nullptr)();
    },
    [=](retry_atom, std::uint64_t stage_id, sequenced_record& record, const std::string& reason) {
      std::cerr << "cohortd: sequencer: " << record.topic << " record for " << record.key
                << " not delivered (" << reason << "); writing it again" << std::endl;
      self->delayed_send(self, retry_delay, retry_atom::value, stage_id, std::move(record));
    },
    [=](retry_atom, std::uint64_t stage_id, sequenced_record& record) {
      if (stage_id == self->state.stage)
        produce(self, producer, std::move(record));
    },
  };
}

} // namespace cohort::cluster
