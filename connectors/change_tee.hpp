#pragma once

#include <memory>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

#include "connectors/kafka_sink.hpp"

namespace cohort::connectors {

/// Where a node's session actors publish when sinks are configured: each change goes on to
/// the publisher (WebSocket subscribers; none in a cluster, where push reads the changes
/// topic) and to every sink, in the order it arrives, so each profile's changes reach a
/// sink in the order its session made them. Spawn it detached:
/// a sink's full queue may hold it for a moment (kafka_producer::queue_full_wait).
///  - (publish_atom, change_event) -> void
caf::behavior change_tee(caf::event_based_actor* self, caf::actor publisher,
                         std::vector<std::shared_ptr<kafka_sink>> sinks);

} // namespace cohort::connectors
