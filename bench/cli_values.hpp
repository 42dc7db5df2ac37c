// Flag value parsing shared by the benchmark clients (cohort-load, cohort-baseline-redis).
#pragma once

#include <array>
#include <exception>
#include <optional>
#include <sstream>
#include <string>

namespace cohort_bench {

/// A non-negative number, or nothing when `s` is not entirely one.
inline std::optional<double> parse_number(const std::string& s) {
  try {
    std::size_t used = 0;
    double v = std::stod(s, &used);
    if (used != s.size() || v < 0)
      return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// "PAGE,PRODUCT,CART" relative weights into `mix`; false (mix partly written) when the
/// text has fewer than three numbers or they sum to 0.
inline bool parse_mix(const std::string& text, std::array<unsigned, 3>& mix) {
  std::stringstream in(text);
  std::string part;
  for (auto& w : mix) {
    if (!std::getline(in, part, ','))
      return false;
    auto v = parse_number(part);
    if (!v)
      return false;
    w = static_cast<unsigned>(*v);
  }
  return mix[0] + mix[1] + mix[2] > 0;
}

}  // namespace cohort_bench
