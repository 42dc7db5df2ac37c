#include "cluster/changes_producer.hpp"

#include <iostream>

#include <caf/all.hpp>

#include "actors/publisher_actor.hpp"
#include "cluster/log_records.hpp"
#include "cluster/partitioning.hpp"

namespace cohort::cluster {

caf::behavior changes_producer(caf::event_based_actor* self,
                               std::shared_ptr<kafka::kafka_producer> producer, kafka::kafka_options options) {
  auto topic = kafka::topic_name(options, kafka::topics::changes);
  return {
    [=](actors::publish_atom, const actors::change_event& change) {
      // A change not delivered is not pushed anywhere; the profile keeps its state and
      // the next change carries it. Said, not retried: subscribers want it now or never.
      producer->produce(topic, partition_of(change.user_id, options.partitions), change.user_id,
                        encode(change), [user = change.user_id](result<std::int64_t> offset) {
                          if (!offset)
                            std::cerr << "cohortd: change of " << user << " not published: "
                                      << offset.error().reason << std::endl;
                        });
    },
  };
}

} // namespace cohort::cluster
