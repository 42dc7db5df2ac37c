// Latency percentiles for the benchmark clients (cohort-load, cohort-baseline-redis).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace cohort_bench {

/// Microseconds from `from` to `to`; 0 when `to` comes first.
inline std::uint64_t micros_between(std::chrono::steady_clock::time_point from,
                                    std::chrono::steady_clock::time_point to) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
  return static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0));
}

/// Latencies in microseconds. A sorted sample is exact and small enough here: even
/// 300k events/s in batches of 100 is 3k requests/s, under 200k samples a minute.
class latency_sample {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  void add(time_point from, time_point to) { values_.push_back(micros_between(from, to)); }
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

/// The worst latency and the number of samples in each second of a run (--timeline): shows
/// whether a p99 comes from a few stalls or from every second, and when the stalls were.
class latency_timeline {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit latency_timeline(time_point origin = {}) : origin_(origin) {}
  void add(time_point from, time_point to) {
    auto second = std::chrono::duration_cast<std::chrono::seconds>(to - origin_).count();
    if (second < 0)
      return;
    auto at = static_cast<std::size_t>(second);
    if (at >= seconds_.size())
      seconds_.resize(at + 1);
    seconds_[at].samples += 1;
    seconds_[at].max_us = std::max(seconds_[at].max_us, micros_between(from, to));
  }
  struct second {
    std::uint64_t samples = 0;
    std::uint64_t max_us = 0;
  };
  /// Second i of the run is [origin + i s, origin + (i + 1) s).
  const std::vector<second>& seconds() const { return seconds_; }

 private:
  time_point origin_;
  std::vector<second> seconds_;
};

}  // namespace cohort_bench
