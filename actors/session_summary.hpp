#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/event_facts.hpp"

namespace cohort::actors {

/// The counters of one session, kept so that two sessions joined by a late event can be
/// merged exactly: every field is a sum, a min/max, or a set union. O(1) memory but for
/// the distinct-path set, which stops growing at max_paths (page_depth saturates there).
struct session_summary {
  static constexpr std::size_t max_paths = 256;

  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::uint32_t events = 0;
  std::uint32_t views = 0;  ///< page_view + product_view
  std::uint32_t product_views = 0;
  std::uint32_t cart_adds = 0;
  std::uint32_t wishlist_adds = 0;
  std::uint32_t purchases = 0;
  std::uint32_t clicks = 0;
  std::int64_t first_view_ms = 0;
  std::int64_t last_view_ms = 0;
  double duration_sum_s = 0;
  std::uint32_t duration_samples = 0;
  double max_scroll = 0;
  std::vector<std::uint64_t> paths;  ///< Sorted distinct path hashes.
  std::string device;                ///< Of the latest event that told.
  std::string source;                ///< Of the first event that told (attribution).

  MSGPACK_DEFINE(start_ms, end_ms, events, views, product_views, cart_adds, wishlist_adds,
                 purchases, clicks, first_view_ms, last_view_ms, duration_sum_s,
                 duration_samples, max_scroll, paths, device, source)

  /// A session holding just `ev`.
  static session_summary of(const codecs::event& ev, const event_facts& facts);

  /// Adds `ev` into this session in place: the same as merge(of(ev, facts)), without
  /// building (and allocating) a one-event session per event.
  void add(const codecs::event& ev, const event_facts& facts);

  /// Adds `other` (a session adjacent in time) into this one.
  void merge(const session_summary& other);

  /// Unites `other` (sorted distinct hashes) into paths, keeping the max_paths lowest.
  void merge_paths(const std::vector<std::uint64_t>& other);
  /// The same for one hash.
  void merge_path(std::uint64_t hash);

  // Feature definitions of SPEC 9 over this session.
  double page_depth() const { return static_cast<double>(paths.size()); }
  double duration_s() const { return static_cast<double>(end_ms - start_ms) / 1000.0; }
  double time_on_page_s() const;
  double click_density() const;
  double conversion_rate() const;
  bool bounced() const { return views == 1; }

private:
  /// Adds one event's counters; `later`: it is not before the session's start (the
  /// device follows later events, the source earlier ones).
  void count(const codecs::event& ev, const event_facts& facts, bool later);
};

} // namespace cohort::actors
