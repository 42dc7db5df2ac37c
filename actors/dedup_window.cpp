#include "actors/dedup_window.hpp"

#include <algorithm>

#include "actors/stable_hash.hpp"

namespace cohort::actors {

dedup_window::dedup_window(std::int64_t window_ms, std::size_t max_ids)
  : window_ms_(window_ms), max_ids_(std::max<std::size_t>(max_ids, 1)) {
}

void dedup_window::expire(std::int64_t now_ms) {
  // Arrival times may step backwards (clock adjustments, replays): expire against the
  // latest time seen so that an entry is never kept past its window.
  latest_ms_ = std::max(latest_ms_, now_ms);
  while (!order_.empty()
         && (latest_ms_ - order_.front().seen_ms >= window_ms_ || order_.size() >= max_ids_)) {
    ids_.erase(order_.front().id);
    order_.pop_front();
  }
}

void dedup_window::rebuild_index() {
  ids_.clear();
  for (const auto& e : order_)
    ids_.insert(e.id);
}

bool dedup_window::insert(std::string_view id, std::int64_t now_ms) {
  if (id.empty())
    return true;
  auto h = stable_hash(id);
  expire(now_ms);
  if (ids_.count(h) != 0)
    return false;
  ids_.insert(h);
  order_.push_back({now_ms, h});
  return true;
}

} // namespace cohort::actors
