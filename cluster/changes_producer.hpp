#pragma once

#include <memory>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

#include "kafka/kafka_options.hpp"
#include "kafka/kafka_producer.hpp"

namespace cohort::cluster {

/// Where a cluster's session actors publish (their env.publisher): each change goes to
/// <prefix>.changes keyed by its profile, so that every node's follower pushes it to its
/// own WebSocket subscribers, in each profile's order (docs/cluster.md, section 5).
///  - (publish_atom, change_event) -> void
caf::behavior changes_producer(caf::event_based_actor* self, std::shared_ptr<kafka::kafka_producer> producer,
                               kafka::kafka_options options);

} // namespace cohort::cluster
