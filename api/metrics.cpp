#include "api/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cohort::api {

using namespace cohort::http;

double histogram_snapshot::quantile(double q) const {
  if (count == 0)
    return 0;
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(count);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < latency_bounds.size(); ++i) {
    const auto in_bucket = buckets[i];
    if (in_bucket > 0 && static_cast<double>(below + in_bucket) >= rank) {
      const double lower = i == 0 ? 0.0 : latency_bounds[i - 1];
      const double share = (rank - static_cast<double>(below)) / static_cast<double>(in_bucket);
      return lower + (latency_bounds[i] - lower) * std::clamp(share, 0.0, 1.0);
    }
    below += in_bucket;
  }
  return latency_bounds.back();
}

void latency_histogram::observe(std::chrono::nanoseconds elapsed) {
  const auto ns = std::max<std::int64_t>(0, elapsed.count());
  const double seconds = static_cast<double>(ns) / 1e9;
  const auto it = std::lower_bound(latency_bounds.begin(), latency_bounds.end(), seconds);
  const auto index = static_cast<std::size_t>(it - latency_bounds.begin());
  // Relaxed: each counter is exact on its own; a scrape racing an observation may see
  // the bucket before the sum, which Prometheus tolerates. The count is the sum of the
  // buckets, so _count always agrees with the +Inf bucket.
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

void latency_histogram::observe_seconds(double seconds) {
  observe(std::chrono::nanoseconds(static_cast<std::int64_t>(std::max(0.0, seconds) * 1e9)));
}

histogram_snapshot latency_histogram::read() const {
  histogram_snapshot s;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += s.buckets[i];
  }
  s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

std::string prometheus_number(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string prometheus_escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

prometheus_writer& prometheus_writer::family(std::string_view name, std::string_view type,
                                             std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  return *this;
}

prometheus_writer& prometheus_writer::sample(std::string_view name, double value,
                                             const metric_labels& labels) {
  out_.append(name);
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0)
        out_ += ',';
      out_.append(labels[i].first).append("=\"").append(prometheus_escape(labels[i].second));
      out_ += '"';
    }
    out_ += '}';
  }
  out_.append(" ").append(prometheus_number(value)).append("\n");
  return *this;
}

prometheus_writer& prometheus_writer::histogram(std::string_view name, std::string_view help,
                                                const histogram_snapshot& h) {
  family(name, "histogram", help);
  const std::string base(name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.buckets.size(); ++i) {
    cumulative += h.buckets[i];
    const bool inf = i == latency_bounds.size();
    sample(base + "_bucket", static_cast<double>(cumulative),
           {{"le", inf ? "+Inf" : prometheus_number(latency_bounds[i])}});
  }
  sample(base + "_sum", h.sum_seconds);
  sample(base + "_count", static_cast<double>(h.count));
  return *this;
}

respond_fn timed_ok(latency_histogram& h, respond_fn respond) {
  return [&h, start = std::chrono::steady_clock::now(),
          respond = std::move(respond)](http_response res) {
    if (res.status == 200)
      h.observe(std::chrono::steady_clock::now() - start);
    respond(std::move(res));
  };
}

} // namespace cohort::api
