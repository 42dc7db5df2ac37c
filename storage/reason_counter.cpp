#include "storage/reason_counter.hpp"

namespace cohort::storage {

namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::size_t class_index(std::string_view reason) {
  if (reason.rfind("late", 0) == 0)
    return 0;
  if (contains(reason, "exceeds"))
    return 1;
  if (contains(reason, "missing") || contains(reason, "requires"))
    return 2;
  if (contains(reason, "no mapping rule"))
    return 3;
  if (contains(reason, "must be") || contains(reason, "is not"))
    return 4;
  return 5;
}

} // namespace

std::string_view reason_class(std::string_view reason) {
  return reason_classes[class_index(reason)];
}

void reason_counter::add(std::string_view reason, std::uint64_t n) {
  counts_[class_index(reason)].fetch_add(n, std::memory_order_relaxed);
}

std::vector<std::pair<std::string, std::uint64_t>> reason_counter::read() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (std::size_t i = 0; i < reason_classes.size(); ++i)
    out.emplace_back(reason_classes[i], counts_[i].load(std::memory_order_relaxed));
  return out;
}

} // namespace cohort::storage
