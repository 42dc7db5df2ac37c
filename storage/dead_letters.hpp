#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "codecs/result.hpp"
#include "storage/reason_counter.hpp"
#include "storage/store.hpp"

namespace cohort::storage {

/// One message Cohort refused or could not apply, kept so that nothing is lost silently.
struct dead_letter {
  std::uint64_t id = 0;
  std::int64_t at_ms = 0;
  std::string source;  ///< Where it came in: "/v1/batch", "/v1/events", ...
  std::string reason;
  std::string raw;     ///< The message as received.
};

/// Durable, append-only store of dead letters in the `deadletters` column family, keyed
/// by a big-endian sequence so that listing newest first is one reverse scan.
/// Thread-safe: HTTP threads append concurrently.
class dead_letters {
public:
  explicit dead_letters(store& db);

  /// Appends all `letters` in one write (ids assigned here). Fails with the RocksDB
  /// reason; then none was written.
  result<bool> append(std::vector<dead_letter> letters);

  /// Up to `limit` letters, newest first.
  std::vector<dead_letter> newest(std::size_t limit) const;

  /// Letters stored in total.
  std::uint64_t total() const { return next_id_.load() - 1; }

  /// Letters stored since the process started, by reason class (/metrics, console).
  const reason_counter& reasons() const { return reasons_; }

private:
  store& store_;
  std::atomic<std::uint64_t> next_id_{1};
  reason_counter reasons_;
};

} // namespace cohort::storage
