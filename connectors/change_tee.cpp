#include "connectors/change_tee.hpp"

#include <caf/all.hpp>

#include "actors/publisher_actor.hpp"

namespace cohort::connectors {

caf::behavior change_tee(caf::event_based_actor* self, caf::actor publisher,
                         std::vector<std::shared_ptr<kafka_sink>> sinks) {
  return {
    [=](actors::publish_atom, const actors::change_event& change) {
      for (const auto& sink : sinks)
        sink->send(change);
      self->send(publisher, actors::publish_atom::value, change);
    },
  };
}

} // namespace cohort::connectors
