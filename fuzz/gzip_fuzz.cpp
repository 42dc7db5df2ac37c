// Fuzzes gunzip with a small output limit: corrupt, truncated and bomb-like bodies must
// fail with 400/413, never read out of bounds or grow past the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codecs/gzip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t limit = 64 * 1024;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto out = cohort::codecs::gunzip(body, limit);
  if (out && out->size() > limit)
    std::abort();  // The limit is the whole point: exceeding it is a bug.
  if (!out && out.error().status != 400 && out.error().status != 413)
    std::abort();
  return 0;
}
