#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/checkpoint.hpp"
#include "actors/flow_control.hpp"
#include "cluster/log_records.hpp"
#include "cluster/state_journal.hpp"

namespace cohort::cluster {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_record& x) {
  return f(caf::meta::type_name("cohort.log_record"), x.what, x.ev, x.given);
}

/// A batch of one partition's records in log order, each event positioned
/// (ev.partition, ev.seq = offset + 1).
using record_batch = std::vector<log_record>;

struct partition_actor_state {
  actors::checkpoint_progress progress;
  static inline const char* name = "cohort.partition";
};

/// One events partition this node serves (docs/cluster.md, section 3, serving): routes
/// its records, in log order, to the partition's directory shard — events per profile,
/// `await` to the receiver, `transfer` to the giver (who hands its state to `handover`,
/// the partition's producer), `state` to the awaiting receiver — and checkpoints into
/// its state journal every `interval` (a snapshot round, then the marker). `applied`
/// follows the last routed position for the members view. Spawn it detached: a
/// checkpoint waits for Kafka.
///  - (replay_atom, record_batch) -> void
///  - (checkpoint_atom) -> uint64_t: a checkpoint now (a graceful hand-over)
caf::behavior partition_actor(caf::stateful_actor<partition_actor_state>* self, caf::actor shard,
                              caf::actor handover, std::shared_ptr<state_journal> journal,
                              std::shared_ptr<actors::flow_control> flow,
                              std::chrono::milliseconds interval,
                              std::shared_ptr<std::atomic<std::int64_t>> applied);

} // namespace cohort::cluster
