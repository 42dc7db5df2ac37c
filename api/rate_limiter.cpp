#include "api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace cohort::api {

rate_limiter::rate_limiter(double per_second, double burst)
  : rate_(per_second), burst_(burst > 0 ? burst : per_second) {
}

std::optional<rate_refusal> rate_limiter::take(std::string_view key, std::size_t events,
                                               clock::time_point now) {
  if (!enabled())
    return std::nullopt;
  const auto need = static_cast<double>(events);
  if (need > burst_)
    return rate_refusal{std::chrono::seconds(0), true};
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
  return rate_refusal{std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait))),
                      false};
}

void rate_limiter::give_back(std::string_view key, std::size_t events) {
  if (!enabled())
    return;
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = buckets_.find(std::string(key));
  if (it != buckets_.end())
    it->second.tokens = std::min(burst_, it->second.tokens + static_cast<double>(events));
}

} // namespace cohort::api
