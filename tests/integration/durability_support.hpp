#pragma once

// Helpers shared by the durability suites (crash, backpressure, passivation, data dir):
// process memory, node counters, and the "where is the server now" board that client
// threads consult across restarts.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "http_client.hpp"

namespace cohort::it {

/// True when the tests are built with AddressSanitizer (scripts/test.sh --sanitize builds
/// cohortd the same way): its shadow memory and quarantine make RSS bounds meaningless,
/// so memory is then measured and printed but not checked.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool under_asan = true;
#else
constexpr bool under_asan = false;
#endif
#else
constexpr bool under_asan = false;
#endif

/// VmRSS of `pid` in KiB from /proc/PID/status; nullopt when the process is gone.
std::optional<std::int64_t> vm_rss_kib(pid_t pid);

/// Samples a process's VmRSS every `period` from construction until stop(), keeping the
/// peak: what a memory bound under load is checked against.
class peak_rss_watch {
public:
  explicit peak_rss_watch(pid_t pid, std::chrono::milliseconds period = std::chrono::milliseconds(100));
  ~peak_rss_watch();
  peak_rss_watch(const peak_rss_watch&) = delete;
  peak_rss_watch& operator=(const peak_rss_watch&) = delete;

  /// Stops sampling (idempotent) and returns the peak in KiB.
  std::int64_t stop();

private:
  std::atomic<bool> watching_{true};
  std::int64_t peak_kib_ = 0;
  std::thread sampler_;
};

/// The counters of GET /admin/api/nodes (nodes[0]).
struct node_counters {
  std::int64_t live = 0;
  std::int64_t spawned = 0;
  std::int64_t passivated = 0;
  std::int64_t accepted = 0;
  std::int64_t evicted = 0;  ///< Passivated because of sessions.max_live.
};

/// GET /admin/api/nodes; nullopt (with the reason in `error`) when it did not answer 200
/// with the expected fields.
std::optional<node_counters> read_node_counters(http_client& client, std::string* error = nullptr);

/// The port clients should talk to now. The server gets a new port on every restart, so
/// a client thread re-reads it before each attempt; `epoch` changes on every publish.
class server_board {
public:
  void publish(std::uint16_t port);
  /// The server is down (killed, not yet restarted): port 0 until the next publish.
  void down();
  std::pair<std::uint16_t, std::uint64_t> current() const;
  /// Retry backoff: returns when the epoch is no longer `seen` or after `at_most`.
  void wait_for_change(std::uint64_t seen, std::chrono::milliseconds at_most) const;

private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::uint16_t port_ = 0;
  std::uint64_t epoch_ = 0;
};

} // namespace cohort::it
