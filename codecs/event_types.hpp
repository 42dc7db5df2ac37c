#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cohort::codecs {

/// Maps raw event names to canonical types. Starts with Segment's E-commerce Spec v2
/// names ("Product Viewed" -> product_view, ...); config aliases add to or override them.
/// Names that are neither aliases nor canonical keep their own name.
class event_types {
public:
  /// The default table: canonical types map to themselves, E-commerce v2 names to theirs.
  event_types();
  /// Adds or replaces one alias.
  void add_alias(std::string raw, std::string canonical);
  /// The canonical type for `raw` (never empty when `raw` is not empty).
  std::string canonical(std::string_view raw) const;
  /// page_view, product_view, add_to_cart, ... (SPEC 9), in that order.
  static const std::vector<std::string>& canonical_types();

private:
  std::unordered_map<std::string, std::string> aliases_;
};

} // namespace cohort::codecs
