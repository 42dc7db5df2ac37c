#include "actors/flat_id_set.hpp"

namespace cohort::actors {

bool flat_id_set::contains(std::uint64_t id) const {
  if (slots_.capacity() == 0)
    return false;
  return slots_[slot_of(key(id))] != 0;
}

bool flat_id_set::insert(std::uint64_t id) {
  slots_.reserve(slots_.size() + 1);
  const auto k = key(id);
  const auto at = slot_of(k);
  if (slots_[at] != 0)
    return false;
  slots_.place(at, k);
  return true;
}

void flat_id_set::erase(std::uint64_t id) {
  if (slots_.capacity() == 0)
    return;
  const auto at = slot_of(key(id));
  if (slots_[at] != 0)
    slots_.remove(at);
}

} // namespace cohort::actors
