#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "codecs/result.hpp"
#include "kafka/kafka_consumer.hpp"
#include "kafka/kafka_options.hpp"

namespace cohort::cluster {

/// Feeds the cluster's feedback log (<prefix>.feedback: decisions and outcomes of every
/// node, docs/cluster.md "The feedback loop") to this node's learner, in log order, from
/// where the learner's store left it. The problem it solves: every node must count the
/// same outcomes against the same decisions, whichever node took them, and survive any
/// node's loss, so the log (replicated by Kafka) is the truth and each node's learner a
/// deterministic replica of it.
///
/// One thread: it polls up to `batch` records, asks the learner to apply them
/// ((feedback_atom, records, next offset) -> bool) and waits for the answer; a failed
/// apply (a store error, a timeout) is logged and the same records go again, which the
/// learner applies idempotently. A record that does not decode is logged and passed over.
/// Memory stays bounded: nothing more is read while a batch is being applied.
class feedback_reader {
public:
  /// Starts reading at `from` (the next offset to apply). Fails when the consumer cannot
  /// be created or assigned.
  static result<std::unique_ptr<feedback_reader>> start(caf::actor_system& sys,
                                                        const kafka::kafka_options& options,
                                                        const std::string& node_id,
                                                        caf::actor learner, std::int64_t from);
  ~feedback_reader();
  feedback_reader(const feedback_reader&) = delete;
  feedback_reader& operator=(const feedback_reader&) = delete;

  /// Stops after the batch being applied, if any; idempotent.
  void stop();

  /// The next offset the learner will get (everything before it is applied).
  std::int64_t applied() const { return applied_.load(); }

private:
  feedback_reader(caf::actor_system& sys) : sys_(sys) {}
  void run();

  caf::actor_system& sys_;
  std::unique_ptr<kafka::kafka_consumer> consumer_;
  caf::actor learner_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> applied_{0};
  std::thread thread_;
};

} // namespace cohort::cluster
