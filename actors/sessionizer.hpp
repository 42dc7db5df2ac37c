#pragma once

#include <cstdint>
#include <vector>
#include <vector>

#include "actors/session_summary.hpp"

namespace cohort::actors {

/// Event-time sessionization of one user, like Flink's session windows: an event joins
/// every session it lies within `gap` of (and so may merge two); an event older than the
/// user's latest event time minus `allowed_lateness` is refused as late. Sessions that no
/// admissible event can reach any more are folded into profile totals, so memory stays
/// O(sessions within lateness + gap), whatever the history length.
class sessionizer {
public:
  sessionizer(std::int64_t gap_ms, std::int64_t allowed_lateness_ms);

  /// Outcome of add().
  enum class placement { placed, late };

  /// True when an event at `t_ms` is older than the latest event time minus the
  /// allowed lateness (never for the first event).
  bool is_late(std::int64_t t_ms) const {
    return !open_.empty() && t_ms < latest_ms_ - lateness_ms_;
  }

  /// Places `ev` into its session, or refuses it as late.
  placement add(const codecs::event& ev, const event_facts& facts);

  /// Adds the sessions of `other` (another profile of the same person): overlapping
  /// sessions (within `gap`) become one, as if every event had come to this user.
  void absorb(const sessionizer& other);

  /// The session holding the latest event; precondition: an event was placed.
  const session_summary& current() const { return open_.back(); }
  bool empty() const { return open_.empty(); }
  std::int64_t latest_ms() const { return latest_ms_; }

  /// Profile totals over every session, open and folded.
  std::uint64_t sessions() const;
  std::uint64_t bounces() const;
  std::uint64_t purchases() const;
  /// Sessions started within 7 days before the latest event, per day.
  double session_frequency() const;

  /// Open sessions, oldest first (for inspection).
  const std::vector<session_summary>& open_sessions() const { return open_; }

  // Snapshot: the sessions and folded totals; gap and lateness come from the config.
  MSGPACK_DEFINE(latest_ms_, open_, folded_sessions_, folded_bounces_, folded_purchases_,
                 folded_starts_)

private:
  void fold_unreachable();

  std::int64_t gap_ms_;
  std::int64_t lateness_ms_;
  std::int64_t latest_ms_ = 0;
  std::vector<session_summary> open_;  // sorted by start, disjoint; usually one or two
  std::uint64_t folded_sessions_ = 0;
  std::uint64_t folded_bounces_ = 0;
  std::uint64_t folded_purchases_ = 0;
  std::vector<std::int64_t> folded_starts_;  // within the frequency horizon
};

} // namespace cohort::actors
