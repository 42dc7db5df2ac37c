#include "codecs/hex.hpp"

namespace cohort::codecs {

std::string hex(std::uint64_t value, std::size_t digits) {
  static constexpr char symbols[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (auto i = digits; i > 0 && value != 0; --i, value >>= 4)
    out[i - 1] = symbols[value & 0xf];
  return out;
}

} // namespace cohort::codecs
