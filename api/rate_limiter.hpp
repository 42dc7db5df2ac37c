#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cohort::api {

/// Why `rate_limiter::take` refused a batch.
struct rate_refusal {
  /// Over the rate for now: enough tokens are back after this (at least 1 s).
  std::chrono::seconds retry_after{1};
  /// Larger than the whole burst: no wait would let it pass, the batch must be split.
  bool too_large = false;
};

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

  /// Takes `events` tokens from `key`'s bucket; nullopt when taken. Otherwise nothing is
  /// taken: a batch larger than the burst is refused as `too_large` (it must not drain
  /// the bucket), a batch that does not fit now gets the wait until it would.
  std::optional<rate_refusal> take(std::string_view key, std::size_t events,
                                   clock::time_point now = clock::now());

  /// Puts back the `events` tokens taken for a batch that was refused afterwards for
  /// another reason (overload, storage), so that its retry is not also charged for the
  /// refused attempt. Never fills a bucket past the burst.
  void give_back(std::string_view key, std::size_t events);

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
