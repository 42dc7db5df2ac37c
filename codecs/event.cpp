#include "codecs/event.hpp"

namespace cohort::codecs {

// Linear scan: events carry a few dozen attributes at most, where a scan beats hashing.
const value* find(const attributes& attrs, std::string_view key) {
  for (const auto& a : attrs)
    if (a.key == key)
      return &a.val;
  return nullptr;
}

} // namespace cohort::codecs
