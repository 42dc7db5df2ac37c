#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "actors/journal.hpp"
#include "actors/messages.hpp"

namespace cohort::actors {

/// Where the checkpoints of one log stand: a single node's log, or one partition of a
/// cluster's events topic.
struct checkpoint_progress {
  std::uint64_t last_seq = 0;      ///< Highest position routed to the shards.
  std::uint64_t checkpointed = 0;  ///< Highest position covered by a checkpoint.
  std::size_t running = 0;         ///< Snapshot rounds asked of the shards, unanswered.
};

/// How long a shard may take over its snapshot round before the round counts as failed.
inline constexpr auto shard_snapshot_timeout = std::chrono::seconds(120);

/// Snapshot round on every shard of `shards`, then `store->checkpoint(upto)`, where upto
/// is the last position routed when the round starts: shards see the request after every
/// batch routed so far (same sender, same receiver: FIFO), so each session's snapshot
/// covers its events up to it. `done` gets the position covered by the latest checkpoint.
/// A background round (`spread` > 0) is skipped while another runs; an urgent one always
/// runs (shards hurry the running round and run this one right after). `progress` must
/// live in the actor's state (it is reached through `self` when answers come).
template <class Self>
void checkpoint(Self* self, checkpoint_progress* progress, std::vector<caf::actor> shards,
                std::shared_ptr<journal> store, caf::timespan spread,
                std::function<void(std::uint64_t)> done) {
  auto upto = progress->last_seq;
  if ((spread.count() != 0 && progress->running != 0) || upto == progress->checkpointed) {
    done(progress->checkpointed);
    return;
  }
  ++progress->running;
  auto remaining = std::make_shared<std::size_t>(shards.size());
  auto failed = std::make_shared<bool>(false);
  auto finish = [=] {
    --progress->running;
    // An urgent round finishes after the round it hurried, so never goes back.
    if (!*failed && upto > progress->checkpointed) {
      if (auto written = store->checkpoint(upto); written)
        progress->checkpointed = upto;
      else
        std::cerr << "cohortd: checkpoint failed: " << written.error().reason << std::endl;
    }
    done(progress->checkpointed);
  };
  auto answered = [=](bool) {
    if (--*remaining == 0)
      finish();
  };
  auto refused = [=](caf::error&) {
    *failed = true;
    if (--*remaining == 0)
      finish();
  };
  for (const auto& shard : shards) {
    if (spread.count() == 0)
      self->request(shard, shard_snapshot_timeout, snapshot_atom::value).then(answered, refused);
    else
      self->request(shard, shard_snapshot_timeout + spread, snapshot_atom::value, spread)
        .then(answered, refused);
  }
}

} // namespace cohort::actors
