#include "cluster/cluster_messages.hpp"

#include <caf/io/middleman.hpp>

#include "actors/directory_actor.hpp"
#include "actors/profile.hpp"
#include "actors/transfer.hpp"

namespace cohort::cluster {

void configure_remoting(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.add_message_type<codecs::event>("cohort.event");
  cfg.add_message_type<actors::event_batch>("cohort.event_batch");
  cfg.add_message_type<actors::profile>("cohort.profile");
  cfg.add_message_type<actors::profile_summary>("cohort.profile_summary");
  cfg.add_message_type<actors::directory_stats>("cohort.directory_stats");
  cfg.add_message_type<std::vector<actors::directory_stats>>("cohort.directory_stats_list");
  cfg.add_message_type<actors::unmerge_reply>("cohort.unmerge_reply");
  cfg.add_message_type<std::vector<std::string>>("cohort.strings");
}

} // namespace cohort::cluster
