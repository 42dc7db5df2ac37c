#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace cohort::actors {

/// The slots of an open-addressing hash table, the probing that key_table and
/// flat_id_set share: a power-of-two array kept at most half full, probed linearly from
/// an entry's home slot (the low bits of its hash); an erase shifts later entries of the
/// run back instead of leaving a tombstone, so probes stay short after many erases.
/// Traits say what a slot holds:
///  - `static bool empty(const Slot&)`: true for `Slot{}`, never for an entry;
///  - `static std::size_t hash(const Slot&)`: the hash the entry was placed by.
/// Never fails (allocation failure throws, as std containers do).
template <class Slot, class Traits>
class open_slots {
public:
  /// Entries held.
  std::size_t size() const { return size_; }

  Slot& operator[](std::size_t at) { return slots_[at]; }
  const Slot& operator[](std::size_t at) const { return slots_[at]; }

  /// The slot of `hash`'s run holding an entry for which `match(slot)` holds; none when
  /// there is no such entry, also before the first reserve().
  template <class Match>
  std::optional<std::size_t> find(std::size_t hash, Match&& match) const {
    if (slots_.empty())
      return std::nullopt;
    auto at = probe(hash, match);
    if (Traits::empty(slots_[at]))
      return std::nullopt;
    return at;
  }

  /// The first slot of `hash`'s run for which `match(slot)` holds, or else the empty slot
  /// that ends the run: where such an entry goes. Only after a reserve().
  template <class Match>
  std::size_t probe(std::size_t hash, Match&& match) const {
    auto at = hash & mask();
    while (!Traits::empty(slots_[at]) && !match(slots_[at]))
      at = (at + 1) & mask();
    return at;
  }

  /// Puts `entry` into `at`, an empty slot probe() returned after the last reserve().
  void place(std::size_t at, const Slot& entry) {
    slots_[at] = entry;
    ++size_;
  }

  /// Empties slot `at`, which holds an entry.
  void remove(std::size_t at) {
    auto hole = at;
    for (auto next = (hole + 1) & mask(); !Traits::empty(slots_[next]);
         next = (next + 1) & mask()) {
      // Movable into the hole when its home slot lies at or before the hole.
      const auto home = Traits::hash(slots_[next]) & mask();
      if (((next - home) & mask()) >= ((next - hole) & mask())) {
        slots_[hole] = slots_[next];
        hole = next;
      }
    }
    slots_[hole] = Slot{};
    --size_;
  }

  /// Makes room for `n` entries (at most half full, 32 slots at least), placing every
  /// entry again when the array grows.
  void reserve(std::size_t n) {
    if (2 * n <= slots_.size())
      return;
    std::size_t want = 32;
    while (want < 2 * n)
      want *= 2;
    std::vector<Slot> old(want);
    old.swap(slots_);
    for (const auto& entry : old) {
      if (Traits::empty(entry))
        continue;
      auto at = Traits::hash(entry) & mask();
      while (!Traits::empty(slots_[at]))
        at = (at + 1) & mask();
      slots_[at] = entry;
    }
  }

private:
  std::size_t mask() const { return slots_.size() - 1; }

  std::vector<Slot> slots_;  ///< Size a power of two, or empty.
  std::size_t size_ = 0;
};

} // namespace cohort::actors
