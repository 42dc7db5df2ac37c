#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/engine_model.hpp"
#include "actors/flow_control.hpp"
#include "actors/identity_graph.hpp"
#include "actors/journal.hpp"
#include "actors/session_actor.hpp"
#include "cluster/cluster_messages.hpp"
#include "cluster/members_view.hpp"
#include "config/config.hpp"
#include "connectors/webhook_senders.hpp"

namespace cohort::cluster {

/// What cluster mode adds to a node (docs/cluster.md): the Kafka producer, the follower
/// (identity replica, changes, members), the sequencer election and actor, the partition
/// owner, the gateway published on cluster.listen, the cluster locator and the ingest
/// front. The node's HTTP API is the single node's, with this front and locator.
class cluster_node {
public:
  /// What the rest of the node is made of already.
  struct parts {
    caf::actor_system& system;
    const config::config& cfg;
    std::shared_ptr<actors::journal> cache;        ///< Local snapshots (RocksDB).
    std::shared_ptr<actors::identity_graph> graph;  ///< The replica; empty at start.
    std::shared_ptr<actors::model_holder> model;
    caf::actor publisher;     ///< This node's WebSocket fan-out.
    caf::actor dead_letters;
    std::shared_ptr<std::atomic<std::uint64_t>> dedup_hits;
    std::shared_ptr<actors::flow_control> ingest_flow;  ///< What HTTP admits.
    /// What the session actors publish to besides <prefix>.changes (given no local
    /// publisher: push is the follower's): a tee to the Kafka sinks (connectors/), or an
    /// invalid handle. Null: nothing.
    std::function<caf::actor(const caf::actor&)> published_through;
  };

  /// Starts following the cluster, joins its groups and publishes the gateway. Fails
  /// with the reason when Kafka is unreachable or its topics are missing (and cannot
  /// be created), or the cluster address cannot be bound.
  static result<std::unique_ptr<cluster_node>> start(parts p);
  ~cluster_node();
  cluster_node(const cluster_node&) = delete;
  cluster_node& operator=(const cluster_node&) = delete;

  /// Starts reporting to the members topic, as reachable at `http_listen` over HTTP.
  void announce(std::string http_listen);

  /// Leaves the cluster: the last report says so, every partition is checkpointed and
  /// handed over, the sequencer role is given up. Idempotent.
  void stop();

  caf::actor front() const;                  ///< Takes (ingest_atom, event_batch).
  actors::locator locator() const;
  std::vector<caf::actor> shards() const;    ///< The shards this node serves now.
  const std::string& cluster_address() const;  ///< host:port others dial (bound port).
  std::shared_ptr<const members_view> members() const;
  /// The webhook senders fed from the changes topic; null without destinations.
  std::shared_ptr<const connectors::webhook_senders> webhooks() const;

  /// Appends bytes to the feedback log and calls back with the offset or why not (on the
  /// producer's thread): the learner's and the decision API's way into the log.
  using feedback_done = std::function<void(result<std::int64_t>)>;
  void append_feedback(std::string bytes, feedback_done done);

  /// Feeds the feedback log to `learner` from offset `from` (feedback_reader). Fails when
  /// the reader cannot start.
  result<bool> follow_feedback(caf::actor learner, std::int64_t from);

private:
  cluster_node() = default;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort::cluster
