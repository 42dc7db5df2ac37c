#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace cohort::connectors {

/// What one destination's sender reports, read by /admin/api/webhooks, /metrics and the
/// console without asking the actor (a stuck destination must not stall those pages).
/// Holds the URL and never the secret.
struct webhook_status {
  std::string url;
  std::vector<std::string> events;
  std::atomic<std::uint64_t> queued{0};     ///< On disk now (not yet delivered).
  std::atomic<std::uint64_t> in_flight{0};  ///< Requests open now.
  std::atomic<std::uint64_t> delivered{0};  ///< Answered 2xx since start.
  std::atomic<std::uint64_t> failures{0};   ///< Attempts failed since start (then retried).
  std::atomic<std::uint64_t> dropped{0};    ///< Oldest dropped past max_queued since start.
  std::atomic<std::uint64_t> abandoned{0};  ///< Given up after max_attempts since start.
  std::atomic<int> breaker{0};              ///< circuit_breaker::state as int.
  std::atomic<std::int64_t> last_delivered_ms{0};

  void set_error(std::string error, std::int64_t at_ms) {
    std::lock_guard<std::mutex> lock{mutex_};
    last_error_ = std::move(error);
    last_error_ms_ = at_ms;
  }
  /// The last error and when it happened (ms; 0 = never).
  std::pair<std::string, std::int64_t> last_error() const {
    std::lock_guard<std::mutex> lock{mutex_};
    return {last_error_, last_error_ms_};
  }

private:
  mutable std::mutex mutex_;
  std::string last_error_;
  std::int64_t last_error_ms_ = 0;
};

} // namespace cohort::connectors
