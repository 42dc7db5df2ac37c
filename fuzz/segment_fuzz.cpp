// Fuzzes the Segment decoder: every body arrives from the public internet, on any of the
// seven endpoints, so the same bytes are decoded as each call.
#include <cstddef>
#include <cstdint>
#include <string>

#include "codecs/event_types.hpp"
#include "codecs/json_body.hpp"
#include "codecs/segment_decoder.hpp"

using namespace cohort::codecs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const event_types types;
  // Room after the body, as the HTTP server leaves it: the decoder parses in place.
  std::string body;
  body.reserve(size + json_body_padding);
  body.assign(reinterpret_cast<const char*>(data), size);
  // A small message limit drives the "too large" path as well as the normal one.
  const decode_context ctx{1714564810000, &types, 4096};
  for (auto call : {segment_call::batch, segment_call::track, segment_call::page,
                    segment_call::screen, segment_call::identify, segment_call::alias,
                    segment_call::group})
    (void)decode_segment(body, call, ctx);
  return 0;
}
