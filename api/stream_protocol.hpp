#pragma once

// The client half of the /v1/stream protocol (SPEC 4), free of sockets so that it can be
// tested alone: parsing ops, and the ack and error frames answering them.

#include <string>
#include <string_view>
#include <variant>

#include "actors/publisher_actor.hpp"

namespace cohort::api {

/// `{"op":"subscribe"|"unsubscribe","userId":U}` or `{..., "segment":S}`.
struct stream_op {
  bool subscribe = true;  ///< false: unsubscribe.
  actors::subscription target;
};

/// Parses one client text frame; the alternative is the reason it was refused.
std::variant<stream_op, std::string> parse_stream_op(std::string_view frame);

/// `{"type":"ack","op":"subscribe","userId":"U"}` (or "segment").
std::string ack_json(const stream_op& op);

/// `{"type":"error","reason":reason}`.
std::string error_json(std::string_view reason);

} // namespace cohort::api
