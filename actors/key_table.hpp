#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace cohort::actors {

/// A map from string keys to V for a directory shard's live sessions, looked up once per
/// routed batch: std::unordered_map reaches a value through a bucket, the node before it
/// and the node itself, three dependent cache misses in a shard of 100k users (the
/// directory's lookup was the hottest symbol at max throughput). Here a lookup probes a
/// small flat array of (hash, row) slots (linear probing, at most half full) and then
/// touches one row. Rows are one vector, in no particular order: erase moves the last
/// row into the hole. Inserting or erasing invalidates pointers to rows; never fails
/// (allocation failure throws, as std containers do).
template <class V>
class key_table {
public:
  /// One key and its value.
  struct row {
    std::string key;
    V value;
  };

  /// The value of `key`, nullptr when absent.
  V* find(const std::string& key) {
    auto at = slot_of(key, hash_of(key));
    return slots_.empty() || slots_[at].row == 0 ? nullptr : &rows_[slots_[at].row - 1].value;
  }

  /// A new, default-constructed value for `key`, which must be absent.
  V& insert(std::string key) {
    if ((rows_.size() + 1) * 2 > slots_.size())
      grow();
    auto hash = hash_of(key);
    auto at = slot_of(key, hash);
    rows_.push_back(row{std::move(key), V{}});
    slots_[at] = slot{hash, static_cast<std::uint32_t>(rows_.size())};
    return rows_.back().value;
  }

  /// Removes `key`; false when it was absent.
  bool erase(const std::string& key) {
    if (slots_.empty())
      return false;
    auto at = slot_of(key, hash_of(key));
    auto index = slots_[at].row;
    if (index == 0)
      return false;
    remove_slot(at);
    if (index != rows_.size()) {
      // The last row fills the hole: its slot now points there.
      auto& last = rows_.back();
      slots_[slot_of(last.key, hash_of(last.key))].row = index;
      rows_[index - 1] = std::move(last);
    }
    rows_.pop_back();
    return true;
  }

  /// Keys held.
  std::size_t size() const { return rows_.size(); }

  /// Every row, for walks over all sessions (sweeps, rounds, samples).
  std::vector<row>& rows() { return rows_; }
  const std::vector<row>& rows() const { return rows_; }

private:
  /// An empty slot has row 0; otherwise rows_[row - 1] has a key with this 32-bit hash.
  struct slot {
    std::uint32_t hash = 0;
    std::uint32_t row = 0;
  };

  static std::uint32_t hash_of(const std::string& key) {
    return static_cast<std::uint32_t>(std::hash<std::string>{}(key));
  }
  std::size_t mask() const { return slots_.size() - 1; }

  /// The slot holding `key`, or the empty slot where it would go (0 when no slots).
  std::size_t slot_of(const std::string& key, std::uint32_t hash) const {
    if (slots_.empty())
      return 0;
    auto at = hash & mask();
    while (slots_[at].row != 0
           && (slots_[at].hash != hash || rows_[slots_[at].row - 1].key != key))
      at = (at + 1) & mask();
    return at;
  }

  /// Empties slot `at`, shifting later slots of the same probe run back (no tombstones).
  void remove_slot(std::size_t at) {
    auto hole = at;
    for (auto next = (hole + 1) & mask(); slots_[next].row != 0; next = (next + 1) & mask()) {
      // Movable into the hole when its home slot lies at or before the hole.
      const std::size_t home = slots_[next].hash & mask();
      if (((next - home) & mask()) >= ((next - hole) & mask())) {
        slots_[hole] = slots_[next];
        hole = next;
      }
    }
    slots_[hole] = slot{};
  }

  /// Doubles the slots (32 at first) and places every row again.
  void grow() {
    std::vector<slot> bigger(slots_.empty() ? 32 : slots_.size() * 2);
    slots_.swap(bigger);
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      auto hash = hash_of(rows_[i].key);
      auto at = hash & mask();
      while (slots_[at].row != 0)
        at = (at + 1) & mask();
      slots_[at] = slot{hash, static_cast<std::uint32_t>(i + 1)};
    }
  }

  std::vector<slot> slots_;  ///< Size a power of two, or empty.
  std::vector<row> rows_;
};

} // namespace cohort::actors
