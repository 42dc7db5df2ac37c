#pragma once

// Internal to codecs/: reduces parsed JSON (simdjson DOM) and msgpack trees to flat
// attribute lists, so the Segment and native decoders share one notion of "a raw field".

#include <string>

#include <msgpack.hpp>
#include <simdjson.h>

#include "codecs/event.hpp"

namespace cohort::codecs::detail {

/// Appends every scalar under `e` to `out`, keyed by `prefix` joined with object keys and
/// array indexes by dots ("context.device.type", "products.0.id"). Empty objects and arrays
/// add nothing. Integers a double cannot hold exactly become decimal strings, so that
/// numeric ids survive. `prefix` is used as scratch space and restored on return.
void flatten(simdjson::dom::element e, std::string& prefix, attributes& out);
void flatten(const msgpack::object& o, std::string& prefix, attributes& out);

/// The field name a msgpack map key stands for: strings as is, integers in decimal,
/// booleans as true/false; false for keys that cannot name a field (maps, nil, ...).
bool msgpack_key_text(const msgpack::object& k, std::string& text);

/// Shortest decimal text of `d`, without a fraction when integral ("12", "0.5").
std::string number_text(double d);

/// The text of a scalar as an id or type: strings as is, numbers in decimal,
/// booleans as true/false, null as "".
std::string value_text(const value& v);

} // namespace cohort::codecs::detail
