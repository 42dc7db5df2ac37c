#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::storage {

/// Reasons are free text with ids and numbers in them ("rule \"web\": missing user id
/// (user_id)"); a metric label needs a small fixed set. The classes, in match order:
/// late, too_large, missing_field, no_mapping, invalid_field, other.
inline constexpr std::array<const char*, 6> reason_classes = {
  "late", "too_large", "missing_field", "no_mapping", "invalid_field", "other"};

/// The class of a dead-letter reason (one of reason_classes).
std::string_view reason_class(std::string_view reason);

/// Counts by reason class; add() is wait-free.
class reason_counter {
public:
  void add(std::string_view reason, std::uint64_t n = 1);
  /// Every class with its count, in reason_classes order (zeros included, so that the
  /// metric series exist before the first reject).
  std::vector<std::pair<std::string, std::uint64_t>> read() const;

private:
  std::array<std::atomic<std::uint64_t>, reason_classes.size()> counts_{};
};

} // namespace cohort::storage
