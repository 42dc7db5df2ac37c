#pragma once

#include <cstddef>
#include <cstdint>

#include "actors/open_slots.hpp"

namespace cohort::actors {

/// A set of 64-bit ids in one flat array (open_slots), for the dedup window of a user
/// who keeps many message ids: one probe usually touches one cache line, where
/// std::unordered_set chases a node per id and allocates for each insert. Ids are
/// already hashes (stable_hash), so their low bits pick the slot. The value 0 marks an
/// empty slot: the id 0 is stored as 1, a confusion as unlikely as any two ids sharing a
/// hash. Never fails; grows by doubling at half full.
class flat_id_set {
public:
  /// True when `id` is in the set.
  bool contains(std::uint64_t id) const;

  /// Adds `id`; returns false when it was there already.
  bool insert(std::uint64_t id);

  /// Removes `id` if present.
  void erase(std::uint64_t id);

  /// Makes room for `n` ids without growing again.
  void reserve(std::size_t n) { slots_.reserve(n); }

  /// Ids held.
  std::size_t size() const { return slots_.size(); }

private:
  struct id_traits {
    static bool empty(std::uint64_t k) { return k == 0; }
    static std::size_t hash(std::uint64_t k) { return static_cast<std::size_t>(k); }
  };
  static std::uint64_t key(std::uint64_t id) { return id == 0 ? 1 : id; }
  /// Matches the slot holding `k`.
  static auto holds(std::uint64_t k) {
    return [k](std::uint64_t held) { return held == k; };
  }

  open_slots<std::uint64_t, id_traits> slots_;
};

} // namespace cohort::actors
