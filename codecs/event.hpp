#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

namespace cohort::codecs {

/// One scalar from a raw message. Nested objects and arrays are flattened into dotted
/// keys ("device.type", "products.0.id"), so every shape reduces to a list of scalars.
struct value {
  enum class kind : std::uint8_t { null, boolean, number, string };
  kind type = kind::null;
  double number = 0;   ///< Set for boolean (0/1) and number.
  std::string text;    ///< Set for string.

  static value of_bool(bool b) { return {kind::boolean, b ? 1.0 : 0.0, {}}; }
  static value of_number(double d) { return {kind::number, d, {}}; }
  static value of_string(std::string s) { return {kind::string, 0, std::move(s)}; }
  bool operator==(const value& o) const {
    return type == o.type && number == o.number && text == o.text;
  }
  MSGPACK_DEFINE(type, number, text)
};

/// A flattened key and its scalar.
struct attribute {
  std::string key;
  value val;
  bool operator==(const attribute& o) const { return key == o.key && val == o.val; }
  MSGPACK_DEFINE(key, val)
};

using attributes = std::vector<attribute>;

/// Finds the attribute with `key`, or nullptr.
const value* find(const attributes& attrs, std::string_view key);

/// An event's msgpack encoding as the event log packed it: a slice of the log record's
/// bytes, which the events of one append share. The session keeps each event's bytes
/// (actors/recent_events.hpp); copying them from the slice spares packing every event a
/// second time (a thousand instructions). Not part of the encoding itself.
class packed_slice {
public:
  packed_slice() = default;

  /// Bytes [offset, offset + size) of `record`, which the slice keeps alive.
  packed_slice(std::shared_ptr<const char> record, std::size_t offset, std::size_t size)
    : record_(std::move(record)), offset_(static_cast<std::uint32_t>(offset)),
      size_(static_cast<std::uint32_t>(size)) {}

  /// True when no log record holds the event (decoded, replayed, or from Kafka).
  bool empty() const { return record_ == nullptr; }

  /// The encoding; empty when empty().
  std::string_view bytes() const {
    return empty() ? std::string_view{} : std::string_view{record_.get() + offset_, size_};
  }

private:
  std::shared_ptr<const char> record_;
  std::uint32_t offset_ = 0;
  std::uint32_t size_ = 0;
};

/// The canonical event every input shape is normalized into (Segment calls, native web /
/// mobile / log shapes). Positional msgpack encoding keeps the wire and log format compact.
struct event {
  std::string message_id;    ///< Segment messageId, or native "session_id:event_id"; may be empty.
  std::string user_id;       ///< Known user id; may be empty when anonymous_id is set.
  std::string anonymous_id;  ///< Device/cookie id; may be empty when user_id is set.
  std::string call;          ///< track | page | screen | identify | alias | group | native.
  std::string type;          ///< Canonical type (page_view, product_view, ...) or the raw name.
  std::string name;          ///< The name as sent (track event, page/screen name, native type).
  std::string previous_id;   ///< alias only: the id being linked to user_id.
  std::string session_id;    ///< Client session id when the source sends one (native shapes).
  std::int64_t timestamp_ms = 0;  ///< Event time after clock-skew correction (Unix ms).
  std::int64_t received_ms = 0;   ///< When Cohort received it (Unix ms).
  attributes properties;     ///< Flattened `properties` (native: every unmapped raw field).
  attributes traits;         ///< Flattened `traits` (identify/group) .
  attributes context;        ///< Flattened `context` (device, page, userAgent, ip, campaign...).
  std::uint64_t seq = 0;     ///< Position in the node's event log once durable (0 = not yet).
  std::string profile_id;    ///< Set by identity resolution when it differs from user_key().
  std::string origin;        ///< Part of the profile the event belongs to, when not profile_id.
  std::uint32_t partition = 0;  ///< Log partition `seq` counts in (0 on a single node).
  /// The encoding of the fields above, once the event log holds it (storage/rocks_journal).
  /// A field changed after that makes it stale: whoever changes one clears it.
  packed_slice packed;

  /// The key the user's state is stored under: userId when known, else anonymousId.
  const std::string& user_key() const { return user_id.empty() ? anonymous_id : user_id; }

  /// The profile (session actor) the event goes to: its resolved profile, else user_key().
  const std::string& route_key() const { return profile_id.empty() ? user_key() : profile_id; }

  /// The profile part the event is applied to (see actors/profile_state.hpp).
  const std::string& origin_key() const { return origin.empty() ? route_key() : origin; }

  // New fields go last: a log written before them still reads (missing ones stay empty).
  MSGPACK_DEFINE(message_id, user_id, anonymous_id, call, type, name, previous_id, session_id,
                 timestamp_ms, received_ms, properties, traits, context, seq, profile_id, origin,
                 partition)
};

} // namespace cohort::codecs

MSGPACK_ADD_ENUM(cohort::codecs::value::kind);
