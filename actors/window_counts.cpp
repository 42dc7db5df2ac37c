#include "actors/window_counts.hpp"

#include <algorithm>
#include <iterator>

namespace cohort::actors {

namespace {

std::int64_t longest_span(const std::vector<config::window_spec>& windows,
                          const std::string& type) {
  std::int64_t span = -1;
  for (const auto& w : windows)
    if (w.type == type)
      span = std::max(span, w.span_ms);
  return span;
}

} // namespace

void window_counts::add(const std::vector<config::window_spec>& windows,
                        const std::string& type, std::int64_t t_ms) {
  if (longest_span(windows, type) < 0)
    return;
  auto& times = times_[type];
  // Events mostly arrive in order: appending is the common case, insertion the rare one.
  times.insert(std::upper_bound(times.begin(), times.end(), t_ms), t_ms);
  if (times.size() > max_times)
    times.erase(times.begin());
}

double window_counts::count(const config::window_spec& w, std::int64_t latest_ms) const {
  auto it = times_.find(w.type);
  if (it == times_.end())
    return 0;
  const auto& times = it->second;
  auto from = std::upper_bound(times.begin(), times.end(), latest_ms - w.span_ms);
  auto to = std::upper_bound(from, times.end(), latest_ms);
  return static_cast<double>(std::distance(from, to));
}

void window_counts::absorb(const window_counts& other) {
  for (const auto& [type, theirs] : other.times_) {
    auto& mine = times_[type];
    std::vector<std::int64_t> merged;
    merged.reserve(mine.size() + theirs.size());
    std::merge(mine.begin(), mine.end(), theirs.begin(), theirs.end(),
               std::back_inserter(merged));
    if (merged.size() > max_times)
      merged.erase(merged.begin(), merged.end() - static_cast<std::ptrdiff_t>(max_times));
    mine = std::move(merged);
  }
}

void window_counts::prune(const std::vector<config::window_spec>& windows,
                          std::int64_t latest_ms) {
  for (auto it = times_.begin(); it != times_.end();) {
    auto span = longest_span(windows, it->first);
    auto& times = it->second;
    auto keep = span < 0 ? times.end()
                         : std::upper_bound(times.begin(), times.end(), latest_ms - span);
    times.erase(times.begin(), keep);
    it = times.empty() ? times_.erase(it) : std::next(it);
  }
}

} // namespace cohort::actors
