#include "actors/flat_id_set.hpp"

namespace cohort::actors {

bool flat_id_set::contains(std::uint64_t id) const {
  const auto k = key(id);
  return slots_.find(k, holds(k)).has_value();
}

bool flat_id_set::insert(std::uint64_t id) {
  slots_.reserve(slots_.size() + 1);
  const auto k = key(id);
  const auto at = slots_.probe(k, holds(k));
  if (slots_[at] != 0)
    return false;
  slots_.place(at, k);
  return true;
}

void flat_id_set::erase(std::uint64_t id) {
  const auto k = key(id);
  if (const auto at = slots_.find(k, holds(k)))
    slots_.remove(*at);
}

} // namespace cohort::actors
