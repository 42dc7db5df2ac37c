#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/identity_graph.hpp"
#include "kafka/kafka_options.hpp"
#include "kafka/kafka_producer.hpp"
#include "cluster/sequencer_epoch.hpp"

namespace cohort::cluster {

/// A record the sequencer writes, and where.
struct sequenced_record {
  std::string topic;
  std::int32_t partition = 0;
  std::string key;
  std::string value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sequenced_record& x) {
  return f(caf::meta::type_name("cohort.sequenced_record"), x.topic, x.partition, x.key, x.value);
}

struct sequencer_state {
  std::deque<std::function<void()>> queue;  ///< Jobs waiting; one runs at a time.
  bool busy = false;
  std::uint64_t epoch = 0;        ///< The epoch the running job began under.
  std::function<void()> lost;     ///< Fails the running job: its epoch was lost.
  std::uint64_t stage = 0;        ///< Tells a delivery of the current stage from old ones.
  std::size_t outstanding = 0;    ///< Records of the current stage not delivered.
  std::function<void()> next;     ///< What follows the current stage.
  std::uint64_t transfers = 0;    ///< Transfer ids given out under the current epoch.
  static inline const char* name = "cohort.sequencer";
};

/// The identity log's one writer (docs/cluster.md, section 4), on the node that claimed
/// it (its epoch non-zero). It resolves events no front could resolve on its replica
/// (links, merges, probabilistic evidence) on this node's graph, then writes them in
/// stages: the events before a merge, the graph records to <prefix>.identity and the
/// merge's `await` to the receiver's partition; once those are held, its `transfer` to the
/// giver's; then the events from the merging one on, up to the next merge. So a giver
/// gets every event sent before the merge ahead of its transfer, a receiver its await
/// ahead of the events after it. It answers once everything is held.
/// Jobs run one at a time, so the steps of successive merges reach each partition in the
/// order they were decided. A record whose delivery fails is written again until it is
/// held. While the epoch is 0, requests fail with errc::moving.
/// A job writes under the epoch it began with. Between merges and before answering it
/// checks that the node still holds that epoch, else fails with errc::moving (the client
/// retries, on the next sequencer): what it decided next could follow a newer claim in
/// the log, which every replica ignores, and answering would acknowledge merges that only
/// this node's graph holds (the election has that graph rebuilt from the log). A merge
/// already decided is written whole, its transfer after its await: a receiver must not
/// wait for a transfer that never comes.
///  - (resolve_atom, event_batch) -> uint64_t: events held
///  - (unmerge_atom, id) -> unmerge_reply
caf::behavior sequencer_actor(caf::stateful_actor<sequencer_state>* self,
                              std::shared_ptr<actors::identity_graph> graph,
                              std::shared_ptr<kafka::kafka_producer> producer, kafka::kafka_options options,
                              std::shared_ptr<sequencer_epoch> epoch);

} // namespace cohort::cluster
