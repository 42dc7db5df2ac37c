#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/log_records.hpp"

namespace cohort::cluster {

/// The cluster as <prefix>.members tells it (docs/cluster.md, section 5): each node's
/// latest report, aged by when it arrived here (not by the writer's clock). A node whose
/// reports stop for longer than `timeout`, or that said it leaves, is gone. Thread-safe.
class members_view {
public:
  explicit members_view(std::chrono::milliseconds timeout);

  /// Takes a report; a leaving node is forgotten at once.
  void update(member_record report);

  /// Every node heard from within the timeout, sorted by id.
  std::vector<member_record> alive() const;

  /// The node serving `partition` (the highest epoch, when a stale report still lists
  /// an old owner); nullopt while the partition is moving.
  std::optional<member_record> owner_of(std::int32_t partition) const;

  /// The node sequencing the identity log (the highest sequencer epoch alive).
  std::optional<member_record> sequencer() const;

  /// The node `id`, when alive.
  std::optional<member_record> find(const std::string& id) const;

  /// Records of all served partitions not applied yet (sum of end - applied).
  std::int64_t lag() const;

private:
  using clock = std::chrono::steady_clock;
  struct entry {
    member_record report;
    clock::time_point heard;
  };
  bool alive(const entry& e, clock::time_point now) const { return now - e.heard <= timeout_; }

  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  std::map<std::string, entry> nodes_;
};

} // namespace cohort::cluster
