#include "config/feature_catalog.hpp"

namespace cohort::config {

const std::vector<feature_info>& feature_catalog() {
  using f = feature;
  using t = value_type;
  static const std::vector<feature_info> catalog{
    {"page_depth", f::page_depth, t::number},
    {"event_count", f::event_count, t::number},
    {"time_on_page", f::time_on_page, t::number},
    {"session_duration", f::session_duration, t::number},
    {"scroll_depth", f::scroll_depth, t::number},
    {"click_density", f::click_density, t::number},
    {"product_views", f::product_views, t::number},
    {"cart_adds", f::cart_adds, t::number},
    {"wishlist_visits", f::wishlist_visits, t::number},
    {"purchases", f::purchases, t::number},
    {"conversion_rate", f::conversion_rate, t::number},
    {"sessions", f::sessions, t::number},
    {"session_frequency", f::session_frequency, t::number},
    {"bounce_rate", f::bounce_rate, t::number},
    {"drop_off_rate", f::bounce_rate, t::number},
    {"lifetime_purchases", f::lifetime_purchases, t::number},
    {"last_seen", f::last_seen, t::number},
    {"is_mobile", f::is_mobile, t::boolean},
    {"device", f::device, t::string},
    {"source", f::source, t::string},
    {"score", f::score, t::number},
  };
  return catalog;
}

std::optional<feature_info> find_feature(std::string_view name) {
  for (const auto& info : feature_catalog())
    if (info.name == name)
      return info;
  return std::nullopt;
}

std::string_view feature_name(feature slot) {
  for (const auto& info : feature_catalog())
    if (info.slot == slot)
      return info.name;
  return {};
}

} // namespace cohort::config
