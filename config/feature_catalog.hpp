#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace cohort::config {

/// Type of a feature (and of a rule expression).
enum class value_type { number, boolean, string };

/// Slot numbers of the built-in features (SPEC 9). Session actors keep feature values in
/// a vector indexed by these slots; compiled rules read them by slot, not by name.
enum class feature : std::size_t {
  // session
  page_depth, event_count, time_on_page, session_duration, scroll_depth, click_density,
  product_views, cart_adds, wishlist_visits, purchases, conversion_rate,
  // profile
  sessions, session_frequency, bounce_rate, lifetime_purchases, last_seen, is_mobile,
  device, source,
  // model output, readable by segment rules
  score,
  count_
};

constexpr std::size_t feature_count = static_cast<std::size_t>(feature::count_);

/// One catalogue entry.
struct feature_info {
  std::string_view name;
  feature slot;
  value_type type;
};

/// Every feature name a rule or the score model may use. `drop_off_rate` is an alias of
/// `bounce_rate`, so it appears here with the same slot.
const std::vector<feature_info>& feature_catalog();

/// The entry named `name`, or nullopt.
std::optional<feature_info> find_feature(std::string_view name);

/// The canonical name of a slot (the first catalogue entry with it).
std::string_view feature_name(feature slot);

} // namespace cohort::config
