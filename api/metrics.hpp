#pragma once

// Process metrics for /metrics (Prometheus text format 0.0.4) and the console: latency
// histograms with fixed buckets and a writer for the exposition format (rejected-message
// counts by reason class are storage/reason_counter.hpp). Recording is lock-free: it happens on HTTP and CAF threads
// on every request or pushed change.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http_types.hpp"

namespace cohort::api {

/// Bucket upper bounds in seconds, shared by every latency histogram: from 100 µs (a
/// loopback ack) to 10 s (a stalled node). Prometheus adds the +Inf bucket.
inline constexpr std::array<double, 16> latency_bounds = {
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
  0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,   10.0};

/// A copy of a histogram at one moment.
struct histogram_snapshot {
  /// Observations per bucket, not cumulative; the last one is +Inf.
  std::array<std::uint64_t, latency_bounds.size() + 1> buckets{};
  std::uint64_t count = 0;
  double sum_seconds = 0;

  /// The q-quantile (0..1) in seconds, interpolated linearly inside its bucket as
  /// Prometheus' histogram_quantile() does; 0 without observations. A quantile that
  /// falls into +Inf answers the largest finite bound.
  double quantile(double q) const;
};

/// Fixed-bucket latency histogram; observe() is wait-free and callable from any thread.
class latency_histogram {
public:
  void observe(std::chrono::nanoseconds elapsed);
  void observe_seconds(double seconds);
  histogram_snapshot read() const;

private:
  std::array<std::atomic<std::uint64_t>, latency_bounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

using metric_labels = std::vector<std::pair<std::string, std::string>>;

/// Writes the Prometheus text exposition format, version 0.0.4: one `# HELP` and
/// `# TYPE` per family, then its samples.
class prometheus_writer {
public:
  /// Starts a family; `type` is counter, gauge or histogram.
  prometheus_writer& family(std::string_view name, std::string_view type, std::string_view help);
  prometheus_writer& sample(std::string_view name, double value, const metric_labels& labels = {});
  /// A whole histogram family: _bucket{le=...} (cumulative), _sum and _count.
  prometheus_writer& histogram(std::string_view name, std::string_view help,
                               const histogram_snapshot& h);
  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

/// The content type of the format written above.
inline constexpr const char* prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// A number as Prometheus writes it: integers without a fraction, NaN and ±Inf by name.
std::string prometheus_number(double v);

/// A label value with \\, \" and \n escaped.
std::string prometheus_escape(std::string_view v);

/// Wraps `respond` so that a 200 answer records the time from now until it is handed
/// to the connection in `h` (the ingest ack latency).
http::respond_fn timed_ok(latency_histogram& h, http::respond_fn respond);

} // namespace cohort::api
