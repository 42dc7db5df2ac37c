#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <caf/actor.hpp>

#include "actors/identity_graph.hpp"
#include "kafka/kafka_consumer.hpp"
#include "kafka/kafka_options.hpp"
#include "cluster/members_view.hpp"
#include "cluster/sequencer_epoch.hpp"

namespace cohort::cluster {

/// What every node reads of the cluster, whoever owns what (docs/cluster.md, sections
/// 4 and 5): the identity log, applied in order to this node's replica of the graph
/// (a record of an older sequencer epoch after a newer claim is ignored, and so are the
/// records of this node's own sequencer, whose graph already holds them); the changes
/// topic, from its end, to this node's publisher (its WebSocket subscribers); the
/// members topic, into the members view. One thread with one manual consumer.
/// When the node stops sequencing, rebuild() has the replica read the log again from
/// its start: the sequencer's graph may hold decisions the log does not.
class follower {
public:
  struct sinks {
    std::shared_ptr<actors::identity_graph> graph;
    std::shared_ptr<members_view> members;
    caf::actor publisher;  ///< Receives (publish_atom, change_event).
    /// This node's sequencer epoch (0 when it does not sequence). The sequencer's graph
    /// is ahead of the log: records of its own epoch are not applied to it again (an
    /// older record would undo a newer decision, and applying drops pending writes).
    std::shared_ptr<const sequencer_epoch> sequencing;
  };

  /// Starts reading. Fails when the consumer cannot be created or assigned.
  static result<std::unique_ptr<follower>> start(const kafka::kafka_options& options,
                                                 const std::string& node_id, sinks out);
  ~follower();
  follower(const follower&) = delete;
  follower& operator=(const follower&) = delete;

  void stop();

  /// Empties the replica and reads the identity log again from its start (the node lost
  /// its sequencer epoch: its graph may hold decisions of a job the log never got, or got
  /// after a newer claim, which every replica ignores). From its return on,
  /// identity_applied() counts the new reading only, so no claim is made before the
  /// replica equals the log again. A failed seek is reported and tried again.
  void rebuild();

  /// The next identity-log offset to apply: the replica holds everything before it.
  std::int64_t identity_applied() const { return identity_applied_.load(); }
  /// The highest sequencer claim seen in the identity log.
  std::uint64_t identity_epoch() const { return identity_epoch_.load(); }

private:
  follower() = default;
  void run();
  /// Carries out a requested rebuild(): empties the graph and seeks to the log's start.
  void restart_identity();

  kafka::kafka_options options_;
  std::unique_ptr<kafka::kafka_consumer> consumer_;
  sinks out_;
  std::atomic<bool> stopping_{false};
  /// Orders rebuild() against applying a record: one read before the seek is dropped.
  std::mutex identity_mutex_;
  bool rebuild_ = false;  ///< Requested, not carried out yet (under identity_mutex_).
  std::atomic<std::int64_t> identity_applied_{0};
  std::atomic<std::uint64_t> identity_epoch_{0};
  std::thread thread_;
};

} // namespace cohort::cluster
