#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include <msgpack.hpp>

namespace cohort::actors {

/// Where a state stands in the event log: per log partition, the highest position it
/// reflects. A single node has one partition (0) and one position; in a cluster a profile
/// lives in one partition, but a merge brings in a state that came from another, whose
/// positions are not comparable with its own. Keeping one position per partition is what
/// lets a replay skip exactly the events a state already holds.
class log_positions {
public:
  /// The position reflected for `partition` (0: none).
  std::uint64_t at(std::uint32_t partition) const {
    auto it = find(partition);
    return it != entries_.end() && it->first == partition ? it->second : 0;
  }

  /// True when `seq` of `partition` is not reflected yet; records it when so. Position 0
  /// (a record not from the log) is never reflected and never recorded.
  bool advance(std::uint32_t partition, std::uint64_t seq) {
    if (seq == 0)
      return false;
    auto it = find(partition);
    if (it != entries_.end() && it->first == partition) {
      if (seq <= it->second)
        return false;
      it->second = seq;
      return true;
    }
    entries_.insert(it, {partition, seq});
    return true;
  }

  /// Records `seq` of `partition` as reflected, if it is newer.
  void mark(std::uint32_t partition, std::uint64_t seq) { advance(partition, seq); }

  /// Takes the newer position of every partition of `other` (a merge).
  void absorb(const log_positions& other) {
    for (const auto& [partition, seq] : other.entries_)
      mark(partition, seq);
  }

  bool empty() const { return entries_.empty(); }
  bool operator==(const log_positions& o) const { return entries_ == o.entries_; }

  MSGPACK_DEFINE(entries_)

private:
  using entry = std::pair<std::uint32_t, std::uint64_t>;
  std::vector<entry>::iterator find(std::uint32_t partition) {
    return std::lower_bound(entries_.begin(), entries_.end(), entry{partition, 0});
  }
  std::vector<entry>::const_iterator find(std::uint32_t partition) const {
    return std::lower_bound(entries_.begin(), entries_.end(), entry{partition, 0});
  }

  std::vector<entry> entries_;  ///< Sorted by partition.
};

} // namespace cohort::actors
