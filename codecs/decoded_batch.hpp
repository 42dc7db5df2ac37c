#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codecs/event.hpp"

namespace cohort::codecs {

class event_types;

/// What decoding needs besides the body.
struct decode_context {
  std::int64_t received_ms = 0;         ///< Receive time, for clock-skew correction.
  const event_types* types = nullptr;   ///< Raw name -> canonical type; required.
  std::size_t max_message_bytes = 32768;
};

/// A message refused by validation, kept for the dead-letter store.
struct rejection {
  std::size_t index = 0;  ///< Position in the request's batch (0 for single calls).
  std::string reason;     ///< e.g. "missing userId or anonymousId".
  std::string raw;        ///< The message as received (JSON text).
};

/// The outcome of decoding one request body: valid events and per-message rejections.
struct decoded_batch {
  std::vector<event> events;
  std::vector<rejection> rejected;
  std::string write_key;  ///< `writeKey` found in the body, if any.
};

} // namespace cohort::codecs
