#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include "actors/flow_control.hpp"
#include "actors/identity_graph.hpp"
#include "cluster/cluster_messages.hpp"
#include "kafka/kafka_options.hpp"
#include "kafka/kafka_producer.hpp"
#include "cluster/members_view.hpp"

namespace cohort::cluster {

/// What the front needs.
struct front_context {
  std::shared_ptr<const actors::identity_graph> graph;  ///< This node's replica.
  cluster_locator_actor locator;  ///< Reaches the sequencer, wherever it runs.
  std::shared_ptr<kafka::kafka_producer> producer;
  kafka::kafka_options options;
  std::string node_id;
  std::string boot_id;  ///< Makes the message ids it gives unique across restarts.
  std::shared_ptr<members_view> members;
  std::int64_t max_lag = 0;  ///< Records read by no owner yet; past it, refuse (503).
  std::shared_ptr<actors::flow_control> flow;  ///< What HTTP admitted; released here.
  caf::timespan timeout{};
};

struct events_front_state {
  /// A request whose events are being produced.
  struct waiting {
    caf::typed_response_promise<std::uint64_t> promise;
    std::size_t count = 0;
    std::size_t outstanding = 0;
    std::string failure;  ///< The first delivery failure, if any.
    /// From the first event the replica could not resolve on: the sequencer's, once the
    /// events before it are held (see events_front).
    actors::event_batch rest;
  };
  std::map<std::uint64_t, waiting> requests;
  std::uint64_t next_request = 0;
  std::uint64_t next_message = 0;
  static inline const char* name = "cohort.events_front";
};

/// The cluster's ingest (docs/cluster.md, section 4), on every node, in place of the
/// single node's ingest actor: gives every event without a messageId one (so that any
/// repeat of it in the log is caught by dedup), resolves identities on the replica — or,
/// for events that link something new, through the sequencer — and produces each event to
/// its profile's partition of <prefix>.events with acks=all. A batch keeps its order
/// around a merge: the events before the first one the replica cannot resolve are held by
/// the broker before the sequencer gets the rest, which it resolves and writes itself,
/// in order with the merges they make. It answers once the broker
/// holds every event of the request; any failure fails the request (the client retries:
/// events already held are then caught by dedup). While the owners lag more than
/// max_lag records behind, it refuses (errc::overloaded).
///  - (ingest_atom, event_batch) -> uint64_t accepted
caf::behavior events_front(caf::stateful_actor<events_front_state>* self, front_context ctx);

} // namespace cohort::cluster
