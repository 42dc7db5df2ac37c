#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include "actors/identity_graph.hpp"
#include "cluster/cluster_messages.hpp"
#include "cluster/members_view.hpp"

namespace cohort::cluster {

/// A connection to another node's gateway, and the requests waiting on it.
struct peer_link {
  std::string boot_id;  ///< A restarted node is another process: connect again.
  caf::actor gateway;   ///< Null while connecting.
  bool connecting = false;
  std::vector<std::function<void(caf::expected<caf::actor>)>> waiting;  ///< For the connection.
  std::map<std::uint64_t, std::function<void(caf::error)>> pending;     ///< Requests sent.
};

struct cluster_locator_state {
  std::shared_ptr<const actors::identity_graph> graph;
  std::shared_ptr<members_view> members;
  std::string self_id;
  caf::actor local_gateway;
  caf::timespan timeout{};
  int partitions = 64;
  std::map<std::string, peer_link> peers;  ///< By node id.
  std::uint64_t next_request = 0;
  static inline const char* name = "cohort.cluster_locator";
};

/// The cluster's locator (actors/locator.hpp; docs/cluster.md, section 5): resolves any
/// id to its profile on this node's identity replica, finds the node serving the
/// profile's partition in the members view, and asks that node's gateway over CAF (its
/// own without the network). All-owner requests ask every live node. Peers are
/// connected on first use and monitored: when one goes down, every request still
/// waiting on it fails at once with errc::moving (the caller retries) instead of at its
/// timeout. A user whose partition has no serving owner gets errc::moving too.
cluster_locator_actor::behavior_type
cluster_locator(cluster_locator_actor::stateful_pointer<cluster_locator_state> self,
                std::shared_ptr<const actors::identity_graph> graph,
                std::shared_ptr<members_view> members, std::string self_id,
                caf::actor local_gateway, int partitions, caf::timespan timeout);

} // namespace cohort::cluster
