// Fuzzes the native /v1/events decoder with the shipped mapping rules, as JSON and as
// msgpack: the first byte picks the format so that one corpus covers both.
#include <cstddef>
#include <cstdint>
#include <string>

#include "codecs/event_types.hpp"
#include "codecs/json_body.hpp"
#include "codecs/native_decoder.hpp"

using namespace cohort::codecs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const event_types types;
  if (size == 0)
    return 0;
  const auto format = (data[0] & 1) ? native_format::msgpack : native_format::json;
  // Room after the body, as the HTTP server leaves it: the JSON decoder parses in place.
  std::string body;
  body.reserve(size - 1 + json_body_padding);
  body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  const decode_context ctx{1714564810000, &types, 4096};
  (void)decode_native(body, format, default_mappings(), ctx);
  return 0;
}
