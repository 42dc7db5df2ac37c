#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace cohort::connectors {

/// How far one assigned source partition is behind its topic.
struct partition_lag {
  std::string group;
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t position = -1;  ///< Next offset to apply; -1 until known.
  std::int64_t high = -1;      ///< High watermark last seen; -1 until the first fetch.
  /// Records not applied yet; -1 while either end is unknown.
  std::int64_t lag() const { return position < 0 || high < 0 ? -1 : std::max<std::int64_t>(0, high - position); }
};

/// The partitions every source owns now, with their lag: written by the sources' threads,
/// read by /metrics, /admin/api/kafka and the console. Thread-safe.
class source_lag {
public:
  /// Adds or updates a partition; a negative `position` or `high` keeps the known one.
  void set(const std::string& group, const std::string& topic, std::int32_t partition,
           std::int64_t position, std::int64_t high);
  /// Forgets a partition (revoked).
  void erase(const std::string& group, const std::string& topic, std::int32_t partition);
  /// Every partition, ordered by group, topic, partition.
  std::vector<partition_lag> read() const;

private:
  using key = std::tuple<std::string, std::string, std::int32_t>;
  mutable std::mutex mutex_;
  std::map<key, partition_lag> partitions_;
};

} // namespace cohort::connectors
