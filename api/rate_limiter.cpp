#include "api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace cohort::api {


rate_limiter::rate_limiter(double per_second, double burst)
  : rate_(per_second), burst_(burst > 0 ? burst : per_second) {
}

std::optional<std::chrono::seconds> rate_limiter::take(std::string_view key,
                                                       std::size_t events,
                                                       clock::time_point now) {
  if (!enabled())
    return std::nullopt;
  const double need = std::min(static_cast<double>(events), burst_);
  std::lock_guard<std::mutex> guard{mutex_};
  auto& b = buckets_.try_emplace(std::string(key), bucket{burst_, now}).first->second;
  const double elapsed = std::chrono::duration<double>(now - b.refilled).count();
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
  b.refilled = now;
  if (b.tokens >= need) {
    b.tokens -= need;
    return std::nullopt;
  }
  const double wait = std::ceil((need - b.tokens) / rate_);
  return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait)));
}

} // namespace cohort::api
