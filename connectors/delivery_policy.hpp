#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace cohort::connectors {

using millis = std::chrono::milliseconds;

/// Exponential backoff with jitter: attempt n (1, 2, ...) waits a uniformly drawn time in
/// [d/2, d] with d = min(initial * 2^(n-1), max), so receivers coming back are not hit by
/// every sender at once. `unit` in [0, 1) is the random draw (tests pass fixed ones).
millis backoff_delay(millis initial, millis max, std::size_t attempt, double unit);

/// A `Retry-After` value in delay-seconds ("120"); HTTP dates and junk give nullopt (the
/// backoff applies then). Capped at one hour.
std::optional<millis> parse_retry_after(const std::string& value);

/// The circuit breaker of one destination. Closed: requests go. After `threshold`
/// consecutive failures it opens for `open_for`: nothing is sent. Then half-open: one
/// probe goes; its success closes the breaker, its failure opens it again.
class circuit_breaker {
public:
  enum class state : std::uint8_t { closed, open, half_open };

  circuit_breaker(std::size_t threshold, millis open_for)
    : threshold_(threshold), open_for_(open_for) {}

  /// Whether a request may start at `now_ms`; in half-open, true once (the probe).
  bool allow(std::int64_t now_ms);
  void success();
  void failure(std::int64_t now_ms);
  state current() const { return state_; }
  /// When an open breaker lets its probe go.
  std::int64_t open_until_ms() const { return open_until_ms_; }

private:
  std::size_t threshold_;
  millis open_for_;
  state state_ = state::closed;
  std::size_t failures_ = 0;
  std::int64_t open_until_ms_ = 0;
  bool probing_ = false;
};

const char* to_string(circuit_breaker::state s);

} // namespace cohort::connectors
