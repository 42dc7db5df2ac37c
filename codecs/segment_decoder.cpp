#include "codecs/segment_decoder.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "codecs/event_types.hpp"
#include "codecs/flatten.hpp"
#include "codecs/json_body.hpp"
#include "codecs/time.hpp"

namespace cohort::codecs {

static_assert(json_body_padding >= simdjson::SIMDJSON_PADDING);

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

const char* call_name(segment_call c) {
  switch (c) {
  case segment_call::track: return "track";
  case segment_call::page: return "page";
  case segment_call::screen: return "screen";
  case segment_call::identify: return "identify";
  case segment_call::alias: return "alias";
  case segment_call::group: return "group";
  case segment_call::batch: return "batch";
  }
  return "batch";
}

std::optional<segment_call> call_from_name(std::string_view name) {
  for (auto c : {segment_call::track, segment_call::page, segment_call::screen,
                 segment_call::identify, segment_call::alias, segment_call::group})
    if (name == call_name(c))
      return c;
  return std::nullopt;
}

// The top-level fields of a Segment payload (a message, or a batch) that Cohort reads.
enum class key : std::uint8_t {
  type, user_id, anonymous_id, message_id, event, name, previous_id, group_id, timestamp,
  original_timestamp, sent_at, properties, traits, context, write_key, batch, count_
};

constexpr std::array<std::string_view, static_cast<std::size_t>(key::count_)> key_names{
  "type", "userId", "anonymousId", "messageId", "event", "name", "previousId", "groupId",
  "timestamp", "originalTimestamp", "sentAt", "properties", "traits", "context", "writeKey",
  "batch"};

std::string name_of(key k) { return std::string(key_names[static_cast<std::size_t>(k)]); }

// The keys of each name length, so that a payload's key is compared with one to three
// names instead of all sixteen (a message has ten or so keys, most of them read).
constexpr std::size_t max_key_length = 17;  // "originalTimestamp"
constexpr std::size_t max_keys_per_length = 3;
using keys_of_length = std::array<std::uint8_t, max_keys_per_length>;

constexpr std::array<keys_of_length, max_key_length + 1> keys_by_length() {
  std::array<keys_of_length, max_key_length + 1> table{};
  std::array<std::size_t, max_key_length + 1> used{};
  for (auto& row : table)
    for (auto& k : row)
      k = static_cast<std::uint8_t>(key::count_);
  for (std::size_t i = 0; i < key_names.size(); ++i) {
    const auto n = key_names[i].size();
    table[n][used[n]++] = static_cast<std::uint8_t>(i);  // overflows at compile time
  }
  return table;
}
constexpr auto names_by_length = keys_by_length();

/// A payload's fields by key, found in one pass over the object: a lookup per field
/// scanned its keys once for each. A repeated key keeps its first value, as a lookup does.
class payload_fields {
public:
  explicit payload_fields(object obj) {
    for (auto [k, v] : obj) {
      if (k.size() > max_key_length)
        continue;
      for (const auto i : names_by_length[k.size()])
        if (i != static_cast<std::uint8_t>(key::count_) && k == key_names[i]) {
          if (!found_[i]) {
            found_[i] = true;
            values_[i] = v;
          }
          break;
        }
    }
  }
  /// Sets `e` to the field's value; false when it is missing or null.
  bool get(key k, element& e) const {
    const auto i = static_cast<std::size_t>(k);
    if (!found_[i] || values_[i].is_null())
      return false;
    e = values_[i];
    return true;
  }

private:
  std::array<element, key_names.size()> values_{};
  std::array<bool, key_names.size()> found_{};
};

// A field is absent (missing, null or empty), usable, or of a type it cannot have.
enum class field { absent, ok, bad };

// Ids are strings, but some SDKs and hand-written clients send numeric user ids.
field id_field(const payload_fields& msg, key k, std::string& out) {
  element e;
  if (!msg.get(k, e))
    return field::absent;
  switch (e.type()) {
  case element_type::STRING: out = std::string(e.get_string().value_unsafe()); break;
  case element_type::INT64: out = std::to_string(e.get_int64().value_unsafe()); break;
  case element_type::UINT64: out = std::to_string(e.get_uint64().value_unsafe()); break;
  case element_type::DOUBLE: out = detail::number_text(e.get_double().value_unsafe()); break;
  default: return field::bad;
  }
  return out.empty() ? field::absent : field::ok;
}

// A view into the parsed document: valid while it is.
field string_view_field(const payload_fields& msg, key k, std::string_view& out) {
  element e;
  if (!msg.get(k, e))
    return field::absent;
  if (e.get_string().get(out) != simdjson::SUCCESS)
    return field::bad;
  return out.empty() ? field::absent : field::ok;
}

field string_field(const payload_fields& msg, key k, std::string& out) {
  std::string_view s;
  const auto f = string_view_field(msg, k, s);
  if (f == field::ok)
    out = std::string(s);
  return f;
}

// Parsed from the document's own bytes: a timestamp is longer than a short string's
// inline buffer, and copying it would allocate per event.
field time_field(const payload_fields& msg, key k, std::optional<std::int64_t>& out) {
  std::string_view text;
  if (auto f = string_view_field(msg, k, text); f != field::ok)
    return f;
  out = parse_iso8601(text);
  return out ? field::ok : field::bad;
}

field object_field(const payload_fields& msg, key k, attributes& out) {
  element e;
  if (!msg.get(k, e))
    return field::absent;
  if (!e.is_object())
    return field::bad;
  std::string prefix;
  detail::flatten(e, prefix, out);
  return field::ok;
}

// What a batch gives to each of its messages.
struct batch_defaults {
  std::optional<std::int64_t> sent_at;
  attributes context;  // batch-level context, merged under each message's own
  bool check_size = false;
};

// Validates one message and fills `ev`; returns the rejection reason on failure.
std::optional<std::string> decode_message(element e, std::optional<segment_call> endpoint,
                                          const batch_defaults& batch,
                                          const decode_context& ctx, event& ev) {
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS)
    return "message must be a JSON object";
  if (batch.check_size) {
    const std::size_t size = simdjson::minify(e).size();
    if (size > ctx.max_message_bytes)
      return "message exceeds " + std::to_string(ctx.max_message_bytes) + " bytes";
  }
  const payload_fields msg{obj};

  // On /v1/<call> the endpoint names the call and a `type` in the body is ignored, as
  // Segment does; in a batch each message's `type` is required.
  segment_call call;
  if (endpoint) {
    call = *endpoint;
  } else {
    std::string type;
    if (string_field(msg, key::type, type) == field::absent)
      return "missing type";
    const auto c = call_from_name(type);
    if (!c)
      return "type must be track, page, screen, identify, alias or group";
    call = *c;
  }
  ev.call = call_name(call);

  for (auto [k, dest] : {std::pair{key::user_id, &ev.user_id},
                         std::pair{key::anonymous_id, &ev.anonymous_id},
                         std::pair{key::message_id, &ev.message_id}})
    if (id_field(msg, k, *dest) == field::bad)
      return name_of(k) + " must be a string";
  if (ev.user_id.empty() && ev.anonymous_id.empty())
    return "missing userId or anonymousId";

  const auto& types = *ctx.types;
  switch (call) {
  case segment_call::track:
    if (string_field(msg, key::event, ev.name) != field::ok)
      return "track requires a non-empty event";
    ev.type = types.canonical(ev.name);
    break;
  case segment_call::page:
  case segment_call::screen:
    if (string_field(msg, key::name, ev.name) == field::bad)
      return "name must be a string";
    ev.type = "page_view";
    break;
  case segment_call::alias:
    switch (id_field(msg, key::previous_id, ev.previous_id)) {
    case field::absent: return "alias requires previousId";
    case field::bad: return "previousId must be a string";
    case field::ok: break;
    }
    ev.type = ev.call;
    break;
  case segment_call::group: {
    // The event has no group field; groupId travels as a property of the group call.
    std::string group_id;
    switch (id_field(msg, key::group_id, group_id)) {
    case field::absent: return "group requires groupId";
    case field::bad: return "groupId must be a string";
    case field::ok: break;
    }
    ev.properties.push_back({"groupId", value::of_string(std::move(group_id))});
    ev.type = ev.call;
    break;
  }
  case segment_call::identify:
  case segment_call::batch:
    ev.type = ev.call;
    break;
  }

  std::optional<std::int64_t> timestamp, original, sent_at;
  for (auto [k, dest] : {std::pair{key::timestamp, &timestamp},
                         std::pair{key::original_timestamp, &original},
                         std::pair{key::sent_at, &sent_at}})
    if (time_field(msg, k, *dest) == field::bad)
      return name_of(k) + " is not an ISO 8601 time";
  if (!sent_at)
    sent_at = batch.sent_at;

  for (auto [k, dest] : {std::pair{key::properties, &ev.properties},
                         std::pair{key::traits, &ev.traits}, std::pair{key::context, &ev.context}})
    if (object_field(msg, k, *dest) == field::bad)
      return name_of(k) + " must be an object";
  for (const auto& a : batch.context)
    if (!find(ev.context, a.key))
      ev.context.push_back(a);
  // RudderStack's JavaScript SDK sends an identify's traits only as context.traits (the
  // spec's place for a user's traits on the other calls).
  if (ev.call == "identify" && ev.traits.empty())
    for (const auto& a : ev.context)
      if (a.key.rfind("traits.", 0) == 0)
        ev.traits.push_back({a.key.substr(7), a.val});

  // Segment's clock-skew correction: the device clock may be wrong, but the delay between
  // the event and its sending is measured on that same clock, so it carries over.
  ev.received_ms = ctx.received_ms;
  if (sent_at && original)
    ev.timestamp_ms = ctx.received_ms - (*sent_at - *original);
  else if (timestamp)
    ev.timestamp_ms = *timestamp;
  else if (original)
    ev.timestamp_ms = *original;
  else
    ev.timestamp_ms = ctx.received_ms;
  return std::nullopt;
}

void decode_into(element e, std::size_t index, std::optional<segment_call> endpoint,
                 const batch_defaults& batch, const decode_context& ctx, decoded_batch& out) {
  // Decoded in its place in the batch: moving an event costs a copy of each short field.
  auto& ev = out.events.emplace_back();
  if (auto reason = decode_message(e, endpoint, batch, ctx, ev)) {
    out.events.pop_back();
    out.rejected.push_back({index, std::move(*reason), simdjson::minify(e)});
  }
}

} // namespace

result<decoded_batch> decode_segment(const std::string& body, segment_call call,
                                     const decode_context& ctx) {
  static const event_types default_types;
  decode_context c = ctx;
  if (!c.types)
    c.types = &default_types;

  // One parser per thread: it keeps its buffers between bodies instead of reallocating.
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(body).get(root))  // copies only without the padding
    return failure{400, std::string("malformed JSON: ") + simdjson::error_message(err)};
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return failure{400, "body must be a JSON object"};

  const payload_fields fields{obj};
  decoded_batch out;
  string_field(fields, key::write_key, out.write_key);
  batch_defaults batch;
  // No single message can exceed the limit when the whole body does not.
  batch.check_size = body.size() > c.max_message_bytes;

  if (call != segment_call::batch) {
    decode_into(root, 0, call, batch, c, out);
    return out;
  }

  element batch_field;
  simdjson::dom::array items;
  if (!fields.get(key::batch, batch_field)
      || batch_field.get_array().get(items) != simdjson::SUCCESS)
    return failure{400, "batch must be an array"};
  // A broken batch sentAt would skew every message, so the whole request is refused.
  if (time_field(fields, key::sent_at, batch.sent_at) == field::bad)
    return failure{400, "sentAt is not an ISO 8601 time"};
  if (object_field(fields, key::context, batch.context) == field::bad)
    return failure{400, "context must be an object"};
  // Sized first: grown by doubling, the list moved every event a few times over.
  out.events.reserve(items.size());
  std::size_t index = 0;
  for (auto item : items)
    decode_into(item, index++, std::nullopt, batch, c, out);
  return out;
}

} // namespace cohort::codecs
