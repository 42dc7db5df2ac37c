#include "connectors/delivery_index.hpp"

#include <algorithm>

namespace cohort::connectors {

bool delivery_index::add(const queued_ref& ref) {
  auto& q = profiles_[ref.profile];
  auto at = std::lower_bound(q.changes.begin(), q.changes.end(), ref.seq,
                             [](const queued_ref& x, std::uint64_t seq) { return x.seq < seq; });
  if (at != q.changes.end() && at->seq == ref.seq)
    return false;
  // A change before the head that is being sent would overtake it: a replay re-deriving
  // a change delivered before the crash. It goes right after the head instead.
  if (at == q.changes.begin() && q.busy && !q.changes.empty())
    ++at;
  q.changes.insert(at, ref);
  age_.emplace(ref.enqueued_ms, ref.profile, ref.seq);
  if (!q.busy)
    make_ready(ref.profile, q, false);
  return true;
}

std::optional<queued_ref> delivery_index::next() {
  while (!ready_.empty()) {
    auto profile = std::move(ready_.front());
    ready_.pop_front();
    auto it = profiles_.find(profile);
    if (it == profiles_.end())
      continue;
    auto& q = it->second;
    q.ready = false;
    if (q.changes.empty() && !q.busy) {
      profiles_.erase(it);
      continue;
    }
    if (q.busy)
      continue;
    q.busy = true;
    return q.changes.front();
  }
  return std::nullopt;
}

void delivery_index::done(const std::string& profile) {
  auto it = profiles_.find(profile);
  if (it == profiles_.end())
    return;
  auto& q = it->second;
  if (!q.changes.empty()) {
    erase_age(q.changes.front());
    q.changes.pop_front();
  }
  q.busy = false;
  q.attempts = 0;
  if (q.changes.empty()) {
    if (!q.ready)
      profiles_.erase(it);
    return;
  }
  make_ready(profile, q, false);
}

void delivery_index::release(const std::string& profile) {
  auto it = profiles_.find(profile);
  if (it == profiles_.end())
    return;
  it->second.busy = false;
  make_ready(profile, it->second, true);
}

std::optional<queued_ref> delivery_index::drop_oldest() {
  for (const auto& [enqueued, profile, seq] : age_) {
    auto& q = profiles_.at(profile);
    if (q.busy && q.changes.front().seq == seq)
      continue;  // being sent: its answer decides
    auto at = std::find_if(q.changes.begin(), q.changes.end(),
                           [seq = seq](const queued_ref& x) { return x.seq == seq; });
    queued_ref dropped = *at;
    q.changes.erase(at);
    age_.erase(std::make_tuple(enqueued, profile, seq));
    if (q.changes.empty() && !q.ready)
      profiles_.erase(dropped.profile);
    return dropped;
  }
  return std::nullopt;
}

std::size_t delivery_index::failed_attempt(const std::string& profile) {
  return ++profiles_.at(profile).attempts;
}

void delivery_index::make_ready(const std::string& profile, profile_queue& q, bool front) {
  if (q.ready || q.changes.empty())
    return;
  q.ready = true;
  if (front)
    ready_.push_front(profile);
  else
    ready_.push_back(profile);
}

void delivery_index::erase_age(const queued_ref& ref) {
  age_.erase(std::make_tuple(ref.enqueued_ms, ref.profile, ref.seq));
}

} // namespace cohort::connectors
