#include "cluster/sequencer_actor.hpp"

#include <iostream>
#include <mutex>

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

void produce(sequencer_ptr self, const std::shared_ptr<kafka::kafka_producer>& producer,
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
void stage(sequencer_ptr self, const std::shared_ptr<kafka::kafka_producer>& producer,
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

/// Binds the job starting now to the node's epoch; `fail` answers it with errc::moving
/// once that is lost. False (the job failed, the next one runs) when the node does not
/// sequence now.
bool begin_job(sequencer_ptr self, std::uint64_t epoch, std::function<void()> fail) {
  auto& st = self->state;
  st.epoch = epoch;
  st.lost = [self, fail] {
    fail();
    finish_job(self);
  };
  if (epoch != 0)
    return true;
  std::exchange(st.lost, nullptr)();
  return false;
}

/// Ends the running job with errc::moving (called between merges: nothing outstanding).
void abandon(sequencer_ptr self) {
  std::exchange(self->state.lost, nullptr)();
}

/// What the sequencer writes with, and where.
struct writer {
  std::shared_ptr<actors::identity_graph> graph;
  std::shared_ptr<kafka::kafka_producer> producer;
  std::string identity_topic;
  std::string events_topic;
  int partitions = 0;
  std::shared_ptr<sequencer_epoch> epoch;

  /// Whether the node still sequences under the epoch the running job began with.
  bool holds(sequencer_ptr self) const { return epoch->value.load() == self->state.epoch; }

  sequenced_record event(codecs::event ev) const {
    auto key = ev.route_key();
    auto partition = partition_of(key, partitions);
    return {events_topic, partition, std::move(key),
            encode(log_record{log_record::kind::event, std::move(ev), {}})};
  }
};

/// Writes `first` with the graph records `decided` and the await of each plan, then
/// (once those are held) each plan's transfer, then runs `done`: the receiver waits
/// before the giver can give, and the giver holds the events of `first` before it gives.
/// Everything is written under the job's epoch.
void write_plans(sequencer_ptr self, const writer& w, std::vector<sequenced_record> first,
                 actors::keyed_writes decided, std::vector<actors::transfer_plan> plans,
                 std::function<void()> done) {
  auto e = self->state.epoch;
  std::vector<sequenced_record> second;
  for (auto& [key, bytes] : decided)
    first.push_back({w.identity_topic, 0, key, encode_identity(e, bytes)});
  auto now = codecs::now_ms();
  for (auto& plan : plans) {
    plan.id = "T" + std::to_string(e) + "-" + std::to_string(++self->state.transfers);
    auto record = actors::transfer_record(plan, now);
    first.push_back({w.events_topic, partition_of(plan.receiver, w.partitions), plan.receiver,
                     encode(log_record{log_record::kind::await, record, {}})});
    second.push_back({w.events_topic, partition_of(plan.giver, w.partitions), plan.giver,
                      encode(log_record{log_record::kind::transfer, record, {}})});
  }
  auto producer = w.producer;
  stage(self, producer, std::move(first), [=, second = std::move(second)]() mutable {
    stage(self, producer, std::move(second), done);
  });
}

/// A batch being resolved and written: events before `next` are resolved, events before
/// `written` are held.
struct resolve_job {
  actors::event_batch events;
  std::size_t next = 0;
  std::size_t written = 0;
  caf::typed_response_promise<std::uint64_t> promise;
};

/// Resolves the job's events up to the next one that merges profiles and writes those
/// before it with that merge; then goes on from the merging event, until all are held.
void resolve_step(sequencer_ptr self, const writer& w, std::shared_ptr<resolve_job> job) {
  std::vector<actors::transfer_plan> plans;
  actors::keyed_writes decided;
  bool held = false;
  {
    // Decided and taken under the epoch: losing it waits for this (sequencer_epoch).
    std::lock_guard lock{w.epoch->mutex};
    held = w.holds(self);
    while (held && job->next < job->events.size() && plans.empty()) {
      auto& ev = job->events[job->next++];
      auto where = w.graph->resolve(ev);
      ev.profile_id = where.profile == ev.user_key() ? std::string{} : where.profile;
      ev.origin = where.origin == ev.route_key() ? std::string{} : where.origin;
      plans = std::move(where.merges);
    }
    if (held)
      decided = w.graph->take_writes();
  }
  if (!held) {
    abandon(self);
    return;
  }
  // The merging event itself goes after its merge's await: it belongs to the receiver.
  auto before = plans.empty() ? job->next : job->next - 1;
  std::vector<sequenced_record> records;
  for (; job->written < before; ++job->written)
    records.push_back(w.event(std::move(job->events[job->written])));
  bool last = plans.empty();
  // A merge once decided is written whole (its transfer after its await, whatever the
  // epoch meanwhile): the epoch is checked between merges and before answering.
  write_plans(self, w, std::move(records), std::move(decided), std::move(plans), [=] {
    if (!last) {
      resolve_step(self, w, job);
      return;
    }
    if (!w.holds(self)) {
      abandon(self);
      return;
    }
    job->promise.deliver(static_cast<std::uint64_t>(job->events.size()));
    finish_job(self);
  });
}

} // namespace

caf::behavior sequencer_actor(sequencer_ptr self, std::shared_ptr<actors::identity_graph> graph,
                              std::shared_ptr<kafka::kafka_producer> producer, kafka::kafka_options options,
                              std::shared_ptr<sequencer_epoch> epoch) {
  writer w{std::move(graph), std::move(producer), kafka::topic_name(options, kafka::topics::identity),
           kafka::topic_name(options, kafka::topics::events), options.partitions, std::move(epoch)};
  return {
    [=](resolve_atom, actors::event_batch& batch) -> caf::result<std::uint64_t> {
      if (w.epoch->value.load() == 0)
        return actors::make_error(actors::errc::moving);
      auto job = std::make_shared<resolve_job>();
      job->events = std::move(batch);
      job->promise = self->make_response_promise<std::uint64_t>();
      self->state.queue.push_back([=] {
        if (begin_job(self, w.epoch->value.load(),
                      [job] { job->promise.deliver(actors::make_error(actors::errc::moving)); }))
          resolve_step(self, w, job);
      });
      pump(self);
      return job->promise;
    },
    [=](actors::unmerge_atom, const std::string& id) -> caf::result<actors::unmerge_reply> {
      if (w.epoch->value.load() == 0)
        return actors::make_error(actors::errc::moving);
      auto promise = self->make_response_promise<actors::unmerge_reply>();
      self->state.queue.push_back([=]() mutable {
        if (!begin_job(self, w.epoch->value.load(), [promise]() mutable {
              promise.deliver(actors::make_error(actors::errc::moving));
            }))
          return;
        result<actors::transfer_plan> plan = failure{503, "not sequencing"};
        actors::keyed_writes decided;
        bool held = false;
        {
          // As in resolve_step: decided and taken under the epoch.
          std::lock_guard lock{w.epoch->mutex};
          held = w.holds(self);
          if (held) {
            plan = w.graph->unmerge(id, codecs::now_ms());
            decided = w.graph->take_writes();
          }
        }
        if (!held) {
          abandon(self);
          return;
        }
        if (!plan) {
          promise.deliver(actors::unmerge_reply{plan.error().status, plan.error().reason, {}, {}, {}});
          finish_job(self);
          return;
        }
        actors::unmerge_reply reply{200, {}, plan->giver, plan->receiver, plan->origins};
        write_plans(self, w, {}, std::move(decided), {*plan}, [=]() mutable {
          if (!w.holds(self)) {
            abandon(self);
            return;
          }
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
        produce(self, w.producer, std::move(record));
    },
  };
}

} // namespace cohort::cluster
