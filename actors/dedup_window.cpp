#include "actors/dedup_window.hpp"

#include <algorithm>
#include <iterator>

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

void dedup_window::absorb(const dedup_window& other) {
  std::deque<entry> merged;
  std::merge(order_.begin(), order_.end(), other.order_.begin(), other.order_.end(),
             std::back_inserter(merged),
             [](const entry& a, const entry& b) { return a.seen_ms < b.seen_ms; });
  order_ = std::move(merged);
  rebuild_index();
  // Both sides may have seen one id (a message carrying both identities).
  std::unordered_set<std::uint64_t> seen;
  order_.erase(std::remove_if(order_.begin(), order_.end(),
                              [&](const entry& e) { return !seen.insert(e.id).second; }),
               order_.end());
  expire(std::max(latest_ms_, other.latest_ms_));
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
