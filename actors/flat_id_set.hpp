#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cohort::actors {

/// A set of 64-bit ids in one flat array (open addressing, linear probing), for the
/// dedup window of a user who keeps many message ids: one probe usually touches one cache
/// line, where std::unordered_set chases a node per id and allocates for each insert.
/// Ids are already hashes (stable_hash), so their low bits pick the slot. The value 0
/// marks an empty slot: the id 0 is stored as 1, a confusion as unlikely as any two ids
/// sharing a hash. Never fails; grows by doubling at half full.
class flat_id_set {
public:
  /// True when `id` is in the set.
  bool contains(std::uint64_t id) const;

  /// Adds `id`; returns false when it was there already.
  bool insert(std::uint64_t id);

  /// Removes `id` if present (backward-shift deletion keeps probes short, no tombstones).
  void erase(std::uint64_t id);

  /// Makes room for `n` ids without growing again.
  void reserve(std::size_t n);

  /// Ids held.
  std::size_t size() const { return size_; }

private:
  static std::uint64_t key(std::uint64_t id) { return id == 0 ? 1 : id; }
  std::size_t mask() const { return slots_.size() - 1; }
  void grow();

  std::vector<std::uint64_t> slots_;  ///< Size a power of two, or empty.
  std::size_t size_ = 0;
};

} // namespace cohort::actors
