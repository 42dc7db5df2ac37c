#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
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

/// Which letters a replay takes: all conditions set must hold.
struct letter_selection {
  std::string reason;                  ///< A prefix of the letter's reason ("" = any).
  std::optional<std::int64_t> from_ms;  ///< Stored at or after.
  std::optional<std::int64_t> to_ms;    ///< Stored at or before.
  std::vector<std::uint64_t> ids;      ///< Empty = any.
  bool matches(const dead_letter& l) const;
};

/// What prune() keeps: letters younger than `max_age_ms`, newest first up to `max_bytes`
/// (keys and values as stored).
struct retention {
  std::int64_t max_age_ms = 0;
  std::uint64_t max_bytes = 0;
};

/// What one prune() removed.
struct prune_result {
  std::uint64_t letters = 0;
  std::uint64_t bytes = 0;
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

  /// Up to `limit` letters that `selection` takes, oldest first; `more` tells whether
  /// others matched beyond the limit.
  std::vector<dead_letter> select(const letter_selection& selection, std::size_t limit,
                                  bool& more) const;

  /// After a replay, in one write: deletes `replayed` and `failed_again`, and stores each
  /// of `failed_again` anew (new id and time) with the reason it failed with this time.
  result<bool> settle(const std::vector<dead_letter>& replayed,
                      std::vector<dead_letter> failed_again, std::int64_t now_ms);

  /// Up to `limit` letters, newest first.
  std::vector<dead_letter> newest(std::size_t limit) const;

  /// Deletes the letters `limits` does not keep at `now_ms`, oldest first, in one write.
  /// Fails with the RocksDB reason; then nothing was deleted.
  result<prune_result> prune(const retention& limits, std::int64_t now_ms);

  /// Letters stored in total, pruned ones included.
  std::uint64_t total() const { return next_id_.load() - 1; }

  /// Bytes the store holds now (keys and values).
  std::uint64_t bytes() const { return bytes_.load(); }

  /// Letters stored since the process started, by reason class (/metrics, console).
  const reason_counter& reasons() const { return reasons_; }

private:
  store& store_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::uint64_t> bytes_{0};
  reason_counter reasons_;
};

} // namespace cohort::storage
