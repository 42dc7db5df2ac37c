#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace cohort::cluster {

/// This node's sequencer epoch (0: it does not sequence the identity log), shared by the
/// election that claims and loses it, the sequencer actor that writes under it and the
/// follower that skips its records. The sequencer changes the graph ahead of the log, so
/// losing the epoch must not interleave with such a change: the election holds `mutex`
/// while it drops the epoch and has the replica rebuilt from the log, the sequencer while
/// it checks the epoch and changes the graph. Without it a change decided under a lost
/// epoch could land in a replica already being rebuilt, and stay there, in no log.
struct sequencer_epoch {
  std::atomic<std::uint64_t> value{0};
  std::mutex mutex;
};

} // namespace cohort::cluster
