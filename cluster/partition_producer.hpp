#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/transfer.hpp"
#include "cluster/state_journal.hpp"

namespace cohort::cluster {

struct partition_producer_state {
  /// A giver waiting for its state record's delivery, and its own side to write then.
  struct giver {
    caf::typed_response_promise<bool> promise;
    actors::transfer_plan plan;
    actors::handover_reply reply;  ///< `given` moved out into the state record.
  };
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, giver> waiting;  ///< By delivery id.
  static inline const char* name = "cohort.partition_producer";
};

/// What one served partition writes into other partitions' logs (docs/cluster.md,
/// section 4): the state a giver hands over, as a `state` record in the receiver's
/// partition, and events that reached a profile a merge moved away, forwarded to the
/// receiver's partition. Every record is tracked by the partition's journal, so no marker
/// passes before it is delivered; a failed delivery is tried again until it succeeds.
///  - (handed_atom, transfer record, handover_reply) -> bool: once the state record is
///    held, the giver's own side is written (its remaining parts, or a forward stub),
///    then true: only now may the giver go on (actors/session_actor.hpp).
///  - (forward_atom, receiver, event_batch) -> void
caf::behavior partition_producer(caf::stateful_actor<partition_producer_state>* self,
                                 std::shared_ptr<state_journal> journal, std::string events_topic,
                                 int partitions);

} // namespace cohort::cluster
