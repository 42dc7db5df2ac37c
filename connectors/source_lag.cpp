#include "connectors/source_lag.hpp"

namespace cohort::connectors {

void source_lag::set(const std::string& group, const std::string& topic, std::int32_t partition,
                     std::int64_t position, std::int64_t high) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& p = partitions_[key{group, topic, partition}];
  p.group = group;
  p.topic = topic;
  p.partition = partition;
  if (position >= 0)
    p.position = position;
  if (high >= 0)
    p.high = high;
}

void source_lag::erase(const std::string& group, const std::string& topic, std::int32_t partition) {
  std::lock_guard<std::mutex> guard{mutex_};
  partitions_.erase(key{group, topic, partition});
}

std::vector<partition_lag> source_lag::read() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<partition_lag> out;
  out.reserve(partitions_.size());
  for (const auto& [k, p] : partitions_)
    out.push_back(p);
  return out;
}

} // namespace cohort::connectors
