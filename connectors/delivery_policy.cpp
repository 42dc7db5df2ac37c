#include "connectors/delivery_policy.hpp"

#include <algorithm>
#include <cctype>

namespace cohort::connectors {

millis backoff_delay(millis initial, millis max, std::size_t attempt, double unit) {
  auto d = initial;
  for (std::size_t i = 1; i < attempt && d < max; ++i)
    d *= 2;
  d = std::min(d, max);
  const auto half = d.count() / 2;
  return millis{half + static_cast<std::int64_t>(unit * static_cast<double>(d.count() - half))};
}

std::optional<millis> parse_retry_after(const std::string& value) {
  if (value.empty() || value.size() > 9
      || !std::all_of(value.begin(), value.end(),
                      [](unsigned char c) { return std::isdigit(c) != 0; }))
    return std::nullopt;
  return millis{std::min<std::int64_t>(std::stoll(value), 3600) * 1000};
}

bool circuit_breaker::allow(std::int64_t now_ms) {
  switch (state_) {
  case state::closed:
    return true;
  case state::open:
    if (now_ms < open_until_ms_)
      return false;
    state_ = state::half_open;
    probing_ = true;
    return true;
  case state::half_open:
    if (probing_)
      return false;
    probing_ = true;
    return true;
  }
  return false;
}

void circuit_breaker::success() {
  state_ = state::closed;
  failures_ = 0;
  probing_ = false;
}

void circuit_breaker::failure(std::int64_t now_ms) {
  probing_ = false;
  if (state_ == state::half_open || ++failures_ >= threshold_) {
    state_ = state::open;
    open_until_ms_ = now_ms + open_for_.count();
  }
}

const char* to_string(circuit_breaker::state s) {
  switch (s) {
  case circuit_breaker::state::closed:
    return "closed";
  case circuit_breaker::state::open:
    return "open";
  case circuit_breaker::state::half_open:
    return "half_open";
  }
  return "closed";
}

} // namespace cohort::connectors
