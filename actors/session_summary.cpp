#include "actors/session_summary.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace cohort::actors {

// A literal compared as a view: lengths first, and no strlen per compare.
using namespace std::string_view_literals;

session_summary session_summary::of(const codecs::event& ev, const event_facts& facts) {
  session_summary s;
  s.start_ms = s.end_ms = ev.timestamp_ms;
  s.count(ev, facts, true);
  return s;
}

void session_summary::add(const codecs::event& ev, const event_facts& facts) {
  const bool later = ev.timestamp_ms >= start_ms;
  start_ms = std::min(start_ms, ev.timestamp_ms);
  end_ms = std::max(end_ms, ev.timestamp_ms);
  count(ev, facts, later);
}

void session_summary::count(const codecs::event& ev, const event_facts& facts, bool later) {
  const auto t = ev.timestamp_ms;
  const auto scroll = facts.scroll_depth.value_or(0);
  max_scroll = events == 0 ? scroll : std::max(max_scroll, scroll);
  ++events;
  if (facts.view) {
    first_view_ms = views > 0 ? std::min(first_view_ms, t) : t;
    last_view_ms = views > 0 ? std::max(last_view_ms, t) : t;
    ++views;
    merge_path(facts.path_hash);
  }
  product_views += ev.type == "product_view"sv;
  cart_adds += ev.type == "add_to_cart"sv;
  wishlist_adds += ev.type == "wishlist_add"sv;
  purchases += ev.type == "purchase"sv;
  clicks += ev.type == "click"sv;
  if (facts.duration_s) {
    duration_sum_s += *facts.duration_s;
    ++duration_samples;
  }
  if (!facts.device.empty() && (later || device.empty()))
    device = facts.device;
  if (!facts.source.empty() && (!later || source.empty()))
    source = facts.source;
}

void session_summary::merge(const session_summary& o) {
  bool later = o.start_ms >= start_ms;
  if (o.views > 0) {
    first_view_ms = views > 0 ? std::min(first_view_ms, o.first_view_ms) : o.first_view_ms;
    last_view_ms = views > 0 ? std::max(last_view_ms, o.last_view_ms) : o.last_view_ms;
  }
  start_ms = std::min(start_ms, o.start_ms);
  end_ms = std::max(end_ms, o.end_ms);
  events += o.events;
  views += o.views;
  product_views += o.product_views;
  cart_adds += o.cart_adds;
  wishlist_adds += o.wishlist_adds;
  purchases += o.purchases;
  clicks += o.clicks;
  duration_sum_s += o.duration_sum_s;
  duration_samples += o.duration_samples;
  max_scroll = std::max(max_scroll, o.max_scroll);
  merge_paths(o.paths);
  // Device: the latest session's; source: the earliest session's (first touch).
  if (!o.device.empty() && (later || device.empty()))
    device = o.device;
  if (!o.source.empty() && (!later || source.empty()))
    source = o.source;
}

void session_summary::merge_path(std::uint64_t hash) {
  // Inserted in place, no new vector; the same result as a union with {hash}.
  auto at = std::lower_bound(paths.begin(), paths.end(), hash);
  if (at != paths.end() && *at == hash)
    return;
  if (paths.size() < max_paths || at != paths.end()) {
    paths.insert(at, hash);
    if (paths.size() > max_paths)
      paths.pop_back();
  }
}

void session_summary::merge_paths(const std::vector<std::uint64_t>& other) {
  if (other.size() == 1) {
    merge_path(other.front());
    return;
  }
  std::vector<std::uint64_t> all;
  all.reserve(paths.size() + other.size());
  std::set_union(paths.begin(), paths.end(), other.begin(), other.end(),
                 std::back_inserter(all));
  if (all.size() > max_paths)
    all.resize(max_paths);
  paths = std::move(all);
}

double session_summary::time_on_page_s() const {
  // Sent durations are measurements; gaps between views are only an estimate.
  if (duration_samples > 0)
    return duration_sum_s / duration_samples;
  if (views < 2)
    return 0;
  // Sorted consecutive gaps telescope: their mean is the span over the gap count.
  return static_cast<double>(last_view_ms - first_view_ms) / 1000.0 / (views - 1);
}

double session_summary::click_density() const {
  // A one-minute floor keeps a single click from reading as an infinite rate.
  double minutes = std::max(duration_s(), 60.0) / 60.0;
  return clicks / minutes;
}

double session_summary::conversion_rate() const {
  return product_views == 0 ? 0.0 : static_cast<double>(cart_adds) / product_views;
}

} // namespace cohort::actors
