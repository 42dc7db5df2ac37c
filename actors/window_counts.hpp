#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "actors/small_map.hpp"
#include "config/rule_set.hpp"

namespace cohort::actors {

/// Event-time counts per type over sliding windows, for `count("type", "5m")` in rules.
/// Keeps the sorted event times of each type the rules count, pruned to the longest
/// window of that type; each type keeps at most max_times (counts saturate there).
class window_counts {
public:
  static constexpr std::size_t max_times = 4096;

  /// Records an event of `type` at `t_ms` if some window counts that type.
  void add(const std::vector<config::window_spec>& windows, const std::string& type,
           std::int64_t t_ms);

  /// Events of w.type with time in (latest_ms - w.span_ms, latest_ms].
  double count(const config::window_spec& w, std::int64_t latest_ms) const;

  /// Adds the times `other` holds (a merged profile), sorted, newest kept past max_times.
  void absorb(const window_counts& other);

  /// Drops times no window can count any more.
  void prune(const std::vector<config::window_spec>& windows, std::int64_t latest_ms);

  MSGPACK_DEFINE(times_)

private:
  // Most users have one or two counted types with a few times each, where a hash map's
  // buckets, tree nodes and a deque's 512-byte blocks cost the most.
  small_map<std::vector<std::int64_t>> times_;
};

} // namespace cohort::actors
