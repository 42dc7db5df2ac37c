#include "api/stream_protocol.hpp"

#include <simdjson.h>

#include "codecs/json_writer.hpp"

namespace cohort::api {


namespace {

using actors::subscription;

constexpr const char* key_of(subscription::kind kind) {
  return kind == subscription::kind::user ? "userId" : "segment";
}

/// The target of an op: exactly one of userId and segment, a non-empty string.
std::variant<subscription, std::string> target_of(simdjson::dom::object obj) {
  std::variant<subscription, std::string> out = std::string("op needs userId or segment");
  int found = 0;
  for (auto kind : {subscription::kind::user, subscription::kind::segment}) {
    simdjson::dom::element e;
    if (obj[key_of(kind)].get(e) != simdjson::SUCCESS)
      continue;
    ++found;
    std::string_view key;
    if (e.get_string().get(key) != simdjson::SUCCESS || key.empty())
      return std::string(key_of(kind)) + " must be a non-empty string";
    out = subscription{kind, std::string(key)};
  }
  if (found > 1)
    return std::string("op takes userId or segment, not both");
  return out;
}

} // namespace

std::variant<stream_op, std::string> parse_stream_op(std::string_view frame) {
  // One parser per server thread: it keeps its buffers between frames.
  thread_local simdjson::dom::parser parser;
  const simdjson::padded_string padded(frame);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root))
    return std::string("malformed JSON: ") + simdjson::error_message(err);
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return std::string("expected a JSON object");
  std::string_view name;
  if (obj["op"].get_string().get(name) != simdjson::SUCCESS)
    return std::string("missing op");
  if (name != "subscribe" && name != "unsubscribe")
    return "unknown op: " + std::string(name);
  auto target = target_of(obj);
  if (auto* reason = std::get_if<std::string>(&target))
    return std::move(*reason);
  return stream_op{name == "subscribe", std::get<subscription>(std::move(target))};
}

std::string ack_json(const stream_op& op) {
  codecs::json_writer w;
  w.begin_object()
    .key("type").value("ack")
    .key("op").value(op.subscribe ? "subscribe" : "unsubscribe")
    .key(key_of(op.target.type)).value(op.target.key)
    .end_object();
  return w.take();
}

std::string error_json(std::string_view reason) {
  codecs::json_writer w;
  w.begin_object().key("type").value("error").key("reason").value(reason).end_object();
  return w.take();
}

} // namespace cohort::api
