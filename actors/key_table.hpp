#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/open_slots.hpp"

namespace cohort::actors {

/// A map from string keys to V for a directory shard's live sessions, looked up once per
/// routed batch: std::unordered_map reaches a value through a bucket, the node before it
/// and the node itself, three dependent cache misses in a shard of 100k users (the
/// directory's lookup was the hottest symbol at max throughput). Here a lookup probes a
/// small flat array of (hash, row) slots (open_slots) and then touches one row. Rows are
/// one vector, in no particular order: erase moves the last row into the hole. Inserting
/// or erasing invalidates pointers to rows; never fails (allocation failure throws, as
/// std containers do). Keys are held as Key: std::string, or std::string_view where the
/// table lives no longer than the strings it points into (a group commit's routing).
template <class V, class Key = std::string>
class key_table {
public:
  /// One key and its value.
  struct row {
    Key key;
    V value;
  };

  /// The value of `key`, nullptr when absent.
  V* find(std::string_view key) {
    const auto hash = hash_of(key);
    const auto at = slots_.find(hash, holds(key, hash));
    return at ? &rows_[slots_[*at].row - 1].value : nullptr;
  }

  /// A new, default-constructed value for `key`, which must be absent.
  V& insert(Key key) { return *find_or_insert(std::move(key)).first; }

  /// The value of `key` and false when present; else a new, default-constructed value
  /// and true. One hash and one probe, where find() then insert() take two of each.
  std::pair<V*, bool> find_or_insert(Key key) {
    slots_.reserve(rows_.size() + 1);
    const auto hash = hash_of(key);
    const auto at = slots_.probe(hash, holds(key, hash));
    if (!slot_traits::empty(slots_[at]))
      return {&rows_[slots_[at].row - 1].value, false};
    rows_.push_back(row{std::move(key), V{}});
    slots_.place(at, slot{hash, static_cast<std::uint32_t>(rows_.size())});
    return {&rows_.back().value, true};
  }

  /// Removes `key`; false when it was absent.
  bool erase(std::string_view key) {
    const auto hash = hash_of(key);
    const auto at = slots_.find(hash, holds(key, hash));
    if (!at)
      return false;
    const auto index = slots_[*at].row;
    slots_.remove(*at);
    if (index != rows_.size()) {
      // The last row fills the hole: its slot now points there.
      auto& last = rows_.back();
      const auto last_index = static_cast<std::uint32_t>(rows_.size());
      slots_[slots_.probe(hash_of(last.key), [last_index](const slot& s) {
        return s.row == last_index;
      })].row = index;
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
  struct slot_traits {
    static bool empty(const slot& s) { return s.row == 0; }
    static std::size_t hash(const slot& s) { return s.hash; }
  };

  static std::uint32_t hash_of(std::string_view key) {
    return static_cast<std::uint32_t>(std::hash<std::string_view>{}(key));
  }

  /// Matches the slot of `key`'s row; `hash` is hash_of(key).
  auto holds(std::string_view key, std::uint32_t hash) const {
    return [this, key, hash](const slot& s) {
      return s.hash == hash && rows_[s.row - 1].key == key;
    };
  }

  open_slots<slot, slot_traits> slots_;
  std::vector<row> rows_;
};

} // namespace cohort::actors
