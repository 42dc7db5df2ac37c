#include "codecs/event_types.hpp"

namespace cohort::codecs {

namespace {

// Segment E-commerce Spec v2 names that have a canonical counterpart (SPEC 9).
const std::pair<const char*, const char*> ecommerce_v2[] = {
    {"Product Viewed", "product_view"},
    {"Product Added", "add_to_cart"},
    {"Product Removed", "remove_from_cart"},
    {"Product Added to Wishlist", "wishlist_add"},
    {"Checkout Started", "checkout"},
    {"Order Completed", "purchase"},
    {"Products Searched", "search"},
};

} // namespace

event_types::event_types() {
  for (const auto& t : canonical_types())
    aliases_.emplace(t, t);
  for (const auto& [raw, canonical] : ecommerce_v2)
    aliases_.emplace(raw, canonical);
}

void event_types::add_alias(std::string raw, std::string canonical) {
  if (raw.empty() || canonical.empty())
    return;  // an empty name could never be looked up, an empty type is meaningless
  aliases_[std::move(raw)] = std::move(canonical);
}

std::string event_types::canonical(std::string_view raw) const {
  // C++17 unordered_map has no heterogeneous lookup, hence the temporary key.
  auto it = aliases_.find(std::string(raw));
  return it == aliases_.end() ? std::string(raw) : it->second;
}

const std::vector<std::string>& event_types::canonical_types() {
  static const std::vector<std::string> types = {
      "page_view", "product_view", "add_to_cart", "remove_from_cart",
      "wishlist_add", "checkout", "purchase", "click", "scroll", "form_submit", "search"};
  return types;
}

} // namespace cohort::codecs
