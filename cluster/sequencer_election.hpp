#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "cluster/follower.hpp"
#include "cluster/sequencer_epoch.hpp"
#include "kafka/kafka_consumer.hpp"
#include "kafka/kafka_options.hpp"
#include "kafka/kafka_producer.hpp"

namespace cohort::cluster {

/// Decides which node sequences the identity log (docs/cluster.md, section 4): every
/// node is a member of group <prefix>.identity on <prefix>.identity (one partition, never
/// read through this group); the one it is assigned to waits until its replica has
/// applied the whole log, claims it with the next epoch and is the sequencer until the
/// partition is revoked. epoch() is that claim, 0 while not sequencing. On losing the
/// claim the replica is rebuilt from the log (follower::rebuild) before any new claim:
/// the sequencer's graph is ahead of the log and may hold decisions never written.
class sequencer_election {
public:
  static result<std::unique_ptr<sequencer_election>> start(const kafka::kafka_options& options,
                                                           const std::string& node_id,
                                                           std::shared_ptr<kafka::kafka_producer> producer,
                                                           follower& replica,
                                                           std::shared_ptr<sequencer_epoch> epoch);
  ~sequencer_election();
  sequencer_election(const sequencer_election&) = delete;
  sequencer_election& operator=(const sequencer_election&) = delete;

  /// Leaves the group (the next node takes over at once). Idempotent.
  void stop();

  /// This node's sequencer epoch; 0 when another node (or none) sequences.
  std::uint64_t epoch() const { return epoch_->value.load(); }

private:
  sequencer_election(follower& replica, std::shared_ptr<sequencer_epoch> epoch)
    : replica_(replica), epoch_(std::move(epoch)) {}
  void run();
  /// Claims the identity log once the replica caught up; false to try again later.
  bool claim();
  /// Drops this node's epoch (the partition was revoked) and has the replica rebuilt.
  void lose();

  kafka::kafka_options options_;
  std::string node_id_;
  std::shared_ptr<kafka::kafka_producer> producer_;
  follower& replica_;
  std::unique_ptr<kafka::kafka_consumer> consumer_;
  /// Shared with the sequencer actor (which refuses work while it is 0) and the follower.
  std::shared_ptr<sequencer_epoch> epoch_;
  std::atomic<bool> assigned_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace cohort::cluster
