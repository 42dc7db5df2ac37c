// Fuzzes the parser of client text frames on /v1/stream (subscribe/unsubscribe ops); a
// parsed op is re-encoded as the ack the server would send.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "api/stream_protocol.hpp"

using namespace cohort::api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_stream_op(frame);
  if (auto* op = std::get_if<stream_op>(&parsed))
    (void)ack_json(*op);
  else
    (void)error_json(std::get<std::string>(parsed));
  return 0;
}
