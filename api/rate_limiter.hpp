#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cohort::api {

/// Per-write-key token buckets over ingested events (`http.rate_limit`), so that one
/// key (one site, one leaked key) cannot take the whole node's ingest capacity. Keys
/// must come from a bounded set (the configured write keys): each key seen keeps a
/// bucket for the process's life. Thread-safe.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// `per_second` 0 turns limiting off; `burst` 0 means `per_second`.
  rate_limiter(double per_second, double burst);

  bool enabled() const { return rate_ > 0; }

  /// Takes `events` tokens from `key`'s bucket (a batch larger than the burst takes a
  /// full bucket, so that it can pass at all). nullopt when taken; otherwise nothing is
  /// taken and the wait until enough tokens are there is returned (at least 1 s).
  std::optional<std::chrono::seconds> take(std::string_view key, std::size_t events,
                                           clock::time_point now = clock::now());

private:
  struct bucket {
    double tokens = 0;
    clock::time_point refilled;
  };

  const double rate_;
  const double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace cohort::api
