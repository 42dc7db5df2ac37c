#pragma once

// An in-memory journal for actor tests: same contract as the RocksDB one, inspectable.

#include <map>
#include <mutex>

#include "actors/journal.hpp"

namespace cohort::test {

class memory_journal : public actors::journal {
public:
  using actors::journal::append;
  result<bool> append(actors::event_batch& events, const actors::keyed_writes& writes,
                      const actors::keyed_writes& source_positions) override {
    std::lock_guard<std::mutex> guard{mutex_};
    if (fail_appends)
      return failure{503, "disk full (test)"};
    apply(identity, writes);
    apply(positions, source_positions);
    for (auto& ev : events) {
      ev.seq = next_seq_++;
      log[ev.seq] = ev;
    }
    return true;
  }

  result<bool> put_snapshot(const std::string& key, const std::string& bytes) override {
    std::lock_guard<std::mutex> guard{mutex_};
    if (fail_snapshots)
      return failure{503, "disk full (test)"};
    snapshots[key] = bytes;
    ++snapshot_writes;
    return true;
  }

  result<bool> put_snapshots(const actors::keyed_writes& writes) override {
    std::lock_guard<std::mutex> guard{mutex_};
    if (fail_snapshots)
      return failure{503, "disk full (test)"};
    apply(snapshots, writes);
    snapshot_writes += writes.size();
    return true;
  }

  result<actors::keyed_writes> identity_records() override {
    std::lock_guard<std::mutex> guard{mutex_};
    actors::keyed_writes out;
    for (const auto& [key, bytes] : identity)
      out.emplace_back(key, bytes);
    return out;
  }

  result<std::optional<std::string>> get_snapshot(const std::string& key) override {
    std::lock_guard<std::mutex> guard{mutex_};
    ++snapshot_reads;
    auto it = snapshots.find(key);
    if (it == snapshots.end())
      return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }

  result<bool> checkpoint(std::uint64_t seq) override {
    std::lock_guard<std::mutex> guard{mutex_};
    checkpointed = seq;
    log.erase(log.begin(), log.upper_bound(seq));
    return true;
  }

  std::map<std::uint64_t, codecs::event> log;
  std::map<std::string, std::string> snapshots;
  std::map<std::string, std::string> identity;
  std::map<std::string, std::string> positions;  ///< Source positions written with appends.
  std::uint64_t checkpointed = 0;
  std::size_t snapshot_writes = 0;
  std::size_t snapshot_reads = 0;
  bool fail_appends = false;
  bool fail_snapshots = false;

private:
  static void apply(std::map<std::string, std::string>& column, const actors::keyed_writes& writes) {
    for (const auto& [key, bytes] : writes) {
      if (bytes)
        column[key] = *bytes;
      else
        column.erase(key);
    }
  }

  std::mutex mutex_;
  std::uint64_t next_seq_ = 1;
};

} // namespace cohort::test
