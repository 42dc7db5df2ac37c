#include "actors/flat_id_set.hpp"

namespace cohort::actors {

bool flat_id_set::contains(std::uint64_t id) const {
  if (slots_.empty())
    return false;
  const auto k = key(id);
  for (auto i = k & mask();; i = (i + 1) & mask()) {
    if (slots_[i] == k)
      return true;
    if (slots_[i] == 0)
      return false;
  }
}

bool flat_id_set::insert(std::uint64_t id) {
  if ((size_ + 1) * 2 > slots_.size())
    grow();
  const auto k = key(id);
  auto i = k & mask();
  for (; slots_[i] != 0; i = (i + 1) & mask())
    if (slots_[i] == k)
      return false;
  slots_[i] = k;
  ++size_;
  return true;
}

void flat_id_set::erase(std::uint64_t id) {
  if (slots_.empty())
    return;
  const auto k = key(id);
  auto hole = k & mask();
  for (; slots_[hole] != k; hole = (hole + 1) & mask())
    if (slots_[hole] == 0)
      return;
  // Shift back every later entry of the run whose home slot lies at or before the hole,
  // so that no lookup meets an empty slot before reaching its id.
  for (auto i = (hole + 1) & mask(); slots_[i] != 0; i = (i + 1) & mask()) {
    const auto home = slots_[i] & mask();
    if (((i - home) & mask()) >= ((i - hole) & mask())) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole] = 0;
  --size_;
}

void flat_id_set::reserve(std::size_t n) {
  std::size_t want = 32;
  while (want < 2 * n)
    want *= 2;
  if (want <= slots_.size())
    return;
  std::vector<std::uint64_t> old(want, 0);
  old.swap(slots_);
  size_ = 0;
  for (auto k : old)
    if (k != 0)
      insert(k);
}

void flat_id_set::grow() {
  reserve(slots_.size());
}

} // namespace cohort::actors
