#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "actors/journal.hpp"
#include "storage/store.hpp"

namespace cohort::storage {

/// The journal on RocksDB: the event log in the `events` column family, one msgpack
/// record per append keyed by its last event's big-endian sequence number (a checkpoint
/// deletes the records it covers whole), snapshots in `snapshots` keyed by user
/// key, the checkpoint in `meta`. `fsync` syncs the WAL on every append and checkpoint
/// (power-loss safe); otherwise a write is in the OS before it returns (crash safe).
class rocks_journal : public actors::journal {
public:
  rocks_journal(store& db, bool fsync);

  using actors::journal::append;
  result<bool> append(actors::event_batch& events, const actors::keyed_writes& identity,
                      const actors::keyed_writes& positions) override;
  result<bool> put_snapshot(const std::string& key, const std::string& bytes) override;
  /// One WAL record for the lot: atomic, and what bulk writers (bench) need for speed.
  result<bool> put_snapshots(const actors::keyed_writes& snapshots) override;
  result<actors::keyed_writes> identity_records() override;
  result<std::optional<std::string>> get_snapshot(const std::string& key) override;
  result<bool> checkpoint(std::uint64_t seq) override;

  /// The sequence number the last checkpoint covered (0 = none).
  std::uint64_t checkpointed() const { return checkpointed_; }

  /// Calls `fn` with the logged events after the checkpoint, in order, `chunk` at a
  /// time (recovery). Fails on an unreadable entry.
  result<std::uint64_t> replay(std::size_t chunk,
                               const std::function<void(actors::event_batch&&)>& fn);

private:
  store& db_;
  bool fsync_;
  std::mutex append_mutex_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t checkpointed_ = 0;
};

} // namespace cohort::storage
