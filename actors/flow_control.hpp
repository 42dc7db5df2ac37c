#pragma once

#include <atomic>
#include <cstdint>

namespace cohort::actors {

/// Bounds the events acknowledged but not yet applied by session actors, so that a
/// flood beyond capacity is refused at the door (503 + Retry-After) instead of growing
/// mailboxes without bound. Admission happens before the durable append; release when a
/// session actor has applied the events (or the request failed).
class flow_control {
public:
  explicit flow_control(std::int64_t limit) : limit_(limit) {
  }

  /// Reserves room for `n` events; false (nothing reserved) when that would pass the limit.
  bool try_admit(std::int64_t n) {
    auto now = in_flight_.fetch_add(n) + n;
    if (now <= limit_ || now == n)  // a single oversized request is still admitted alone
      return true;
    in_flight_.fetch_sub(n);
    return false;
  }

  /// Counts `n` events in whatever the limit says: a cluster's owner has read them from
  /// its partitions already and pauses reading instead (in_flight() against limit()).
  void admit(std::int64_t n) { in_flight_.fetch_add(n); }

  /// Returns room for `n` events.
  void release(std::int64_t n) { in_flight_.fetch_sub(n); }

  std::int64_t in_flight() const { return in_flight_.load(); }
  std::int64_t limit() const { return limit_; }

private:
  std::int64_t limit_;
  std::atomic<std::int64_t> in_flight_{0};
};

} // namespace cohort::actors
