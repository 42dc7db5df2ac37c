// Latency percentiles for the benchmark clients (cohort-load, cohort-baseline-redis).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace cohort_bench {

/// Latencies in microseconds. A sorted sample is exact and small enough here: even
/// 300k events/s in batches of 100 is 3k requests/s, under 200k samples a minute.
class latency_sample {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  void add(time_point from, time_point to) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
    values_.push_back(static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0)));
  }
  std::size_t size() const { return values_.size(); }
  /// q in [0, 1]; milliseconds; 0 without samples.
  double quantile_ms(double q) {
    if (values_.empty())
      return 0;
    if (!sorted_) {
      std::sort(values_.begin(), values_.end());
      sorted_ = true;
    }
    auto idx = static_cast<std::size_t>(q * static_cast<double>(values_.size() - 1) + 0.5);
    return static_cast<double>(values_[std::min(idx, values_.size() - 1)]) / 1000.0;
  }

 private:
  std::vector<std::uint64_t> values_;
  bool sorted_ = false;
};

}  // namespace cohort_bench
