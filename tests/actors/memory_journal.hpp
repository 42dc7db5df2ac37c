#pragma once

// An in-memory journal for actor tests: same contract as the RocksDB one, inspectable.

#include <map>
#include <mutex>

#include "actors/journal.hpp"

namespace cohort::test {

class memory_journal : public actors::journal {
public:
  result<bool> append(actors::event_batch& events) override {
    std::lock_guard<std::mutex> guard{mutex_};
    if (fail_appends)
      return failure{503, "disk full (test)"};
    for (auto& ev : events) {
      ev.seq = next_seq_++;
      log[ev.seq] = ev;
    }
    return true;
  }

  result<bool> put_snapshot(const std::string& key, const std::string& bytes) override {
    std::lock_guard<std::mutex> guard{mutex_};
    snapshots[key] = bytes;
    ++snapshot_writes;
    return true;
  }

  result<std::optional<std::string>> get_snapshot(const std::string& key) override {
    std::lock_guard<std::mutex> guard{mutex_};
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
  std::uint64_t checkpointed = 0;
  std::size_t snapshot_writes = 0;
  bool fail_appends = false;

private:
  std::mutex mutex_;
  std::uint64_t next_seq_ = 1;
};

} // namespace cohort::test
