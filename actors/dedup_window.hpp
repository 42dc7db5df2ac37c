#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_set>

#include <msgpack.hpp>

namespace cohort::actors {

/// Remembers message ids seen within a time window so that a retried message (same
/// messageId) is accepted but applied once. Ids are kept as 64-bit FNV-1a hashes, in
/// arrival order (see stable_hash), and forgotten when older than the window or when `max_ids` is reached
/// (oldest first), so memory per user stays bounded whatever the traffic.
class dedup_window {
public:
  dedup_window(std::int64_t window_ms, std::size_t max_ids);

  /// Records `id` seen at `now_ms`; returns false when it was already seen less than
  /// `window_ms` before (a duplicate). Empty ids are never duplicates.
  bool insert(std::string_view id, std::int64_t now_ms);

  /// Ids currently remembered.
  std::size_t size() const { return order_.size(); }

  /// Rebuilds the lookup index after the ids were restored from a snapshot.
  void rebuild_index();

  /// Adds the ids `other` remembers (a merged profile: a retry through either identity
  /// is still recognised), oldest dropped first past the limits.
  void absorb(const dedup_window& other);

  // Snapshot: the remembered ids; the limits come from the running config.
  MSGPACK_DEFINE(latest_ms_, order_)

private:
  struct entry {
    std::int64_t seen_ms;
    std::uint64_t id;
    MSGPACK_DEFINE(seen_ms, id)
  };
  void expire(std::int64_t now_ms);

  std::int64_t window_ms_;
  std::size_t max_ids_;
  std::int64_t latest_ms_ = INT64_MIN;
  std::deque<entry> order_;
  std::unordered_set<std::uint64_t> ids_;
};

} // namespace cohort::actors
