#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cohort::codecs {

/// How a raw timestamp field is to be read.
enum class time_unit { ms, s, iso8601 };

/// One mapping rule of config `events.mappings`: when a raw native record (flattened to
/// dotted keys) has every key in `when`, the rule turns it into a canonical event.
/// Rules are tried in order; the first match wins; a record no rule matches is rejected.
struct mapping_rule {
  std::string name;                ///< Shown in rejection reasons and the console.
  std::vector<std::string> when;   ///< Raw keys that must be present ("key" or "key=value";
                                   ///< a key also matches as a prefix of flattened keys).
  // Raw keys for the canonical fields; an empty string means the shape does not carry it.
  std::string user_id = "user_id";
  std::string anonymous_id;
  std::string type;                ///< Raw key holding the event type.
  std::string type_value;          ///< Fixed type when the shape has no type key.
  std::string timestamp = "timestamp";
  time_unit unit = time_unit::ms;
  std::string session_id;
  std::string event_id;            ///< With session_id, forms the dedup message id.
  /// Renames into properties: {property name, raw key}. Every raw key not used by a
  /// canonical field or a rename is copied into properties under its own key.
  std::vector<std::pair<std::string, std::string>> properties;
};

} // namespace cohort::codecs
