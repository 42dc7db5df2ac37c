#include "codecs/flatten.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <type_traits>

namespace cohort::codecs::detail {

namespace {

// Doubles hold every integer up to 2^53 exactly; larger ones would be silently rounded.
constexpr double exact_limit = 9007199254740992.0;

template <class Int>
value integer_value(Int i) {
  // Compared as integers: 2^53 + 1 would round to 2^53 as a double and pass.
  constexpr Int limit = Int{1} << 53;
  bool exact = i <= limit;
  if constexpr (std::is_signed_v<Int>)
    exact = exact && i >= -limit;
  if (exact)
    return value::of_number(static_cast<double>(i));
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, i);
  return value::of_string(std::string(buf, r.ptr));
}

// Extends prefix by one path segment and returns the old length to restore.
std::size_t push_segment(std::string& prefix, std::string_view segment) {
  const std::size_t old = prefix.size();
  if (!prefix.empty())
    prefix += '.';
  prefix += segment;
  return old;
}

std::string index_text(std::size_t i) { return std::to_string(i); }

// The attribute is built where it lives: a temporary pushed back moved its key and its
// text once more, for every flattened field of every event.
value& add(attributes& out, const std::string& key) {
  auto& a = out.emplace_back();
  a.key = key;
  return a.val;
}

void add_text(attributes& out, const std::string& key, std::string_view text) {
  auto& v = add(out, key);
  v.type = value::kind::string;
  v.text.assign(text.data(), text.size());
}

} // namespace

void flatten(simdjson::dom::element e, std::string& prefix, attributes& out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
  case element_type::OBJECT: {
    // Held in a local: ranging over get_object().value_unsafe() would dangle.
    const simdjson::dom::object obj = e.get_object().value_unsafe();
    // Room for the object's fields at once (a flat `properties` allocates once, not once
    // per doubling); growth stays geometric when nested objects add more.
    if (const auto want = out.size() + obj.size(); want > out.capacity())
      out.reserve(std::max(want, 2 * out.capacity()));
    for (auto field : obj) {
      const auto old = push_segment(prefix, field.key);
      flatten(field.value, prefix, out);
      prefix.resize(old);
    }
    return;
  }
  case element_type::ARRAY: {
    const simdjson::dom::array arr = e.get_array().value_unsafe();
    std::size_t i = 0;
    for (auto item : arr) {
      const auto old = push_segment(prefix, index_text(i++));
      flatten(item, prefix, out);
      prefix.resize(old);
    }
    return;
  }
  case element_type::INT64:
    add(out, prefix) = integer_value(e.get_int64().value_unsafe());
    return;
  case element_type::UINT64:
    add(out, prefix) = integer_value(e.get_uint64().value_unsafe());
    return;
  case element_type::DOUBLE:
    add(out, prefix) = value::of_number(e.get_double().value_unsafe());
    return;
  case element_type::STRING:
    add_text(out, prefix, e.get_string().value_unsafe());
    return;
  case element_type::BOOL:
    add(out, prefix) = value::of_bool(e.get_bool().value_unsafe());
    return;
  case element_type::NULL_VALUE:
    add(out, prefix);
    return;
  }
}

// msgpack map keys are usually strings but may be any object; ints and bools get a text
// form, anything else cannot name a field and is skipped.
bool msgpack_key_text(const msgpack::object& k, std::string& text) {
  switch (k.type) {
  case msgpack::type::STR: text.assign(k.via.str.ptr, k.via.str.size); return true;
  case msgpack::type::BIN: text.assign(k.via.bin.ptr, k.via.bin.size); return true;
  case msgpack::type::POSITIVE_INTEGER: text = std::to_string(k.via.u64); return true;
  case msgpack::type::NEGATIVE_INTEGER: text = std::to_string(k.via.i64); return true;
  case msgpack::type::BOOLEAN: text = k.via.boolean ? "true" : "false"; return true;
  default: return false;
  }
}

void flatten(const msgpack::object& o, std::string& prefix, attributes& out) {
  switch (o.type) {
  case msgpack::type::MAP: {
    std::string k;
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      if (!msgpack_key_text(kv.key, k))
        continue;
      const auto old = push_segment(prefix, k);
      flatten(kv.val, prefix, out);
      prefix.resize(old);
    }
    return;
  }
  case msgpack::type::ARRAY:
    for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
      const auto old = push_segment(prefix, index_text(i));
      flatten(o.via.array.ptr[i], prefix, out);
      prefix.resize(old);
    }
    return;
  case msgpack::type::POSITIVE_INTEGER:
    add(out, prefix) = integer_value(o.via.u64);
    return;
  case msgpack::type::NEGATIVE_INTEGER:
    add(out, prefix) = integer_value(o.via.i64);
    return;
  case msgpack::type::FLOAT32:
  case msgpack::type::FLOAT64:
    add(out, prefix) = value::of_number(o.via.f64);
    return;
  case msgpack::type::STR:
    add_text(out, prefix, {o.via.str.ptr, o.via.str.size});
    return;
  case msgpack::type::BIN:
    add_text(out, prefix, {o.via.bin.ptr, o.via.bin.size});
    return;
  case msgpack::type::BOOLEAN:
    add(out, prefix) = value::of_bool(o.via.boolean);
    return;
  case msgpack::type::NIL:
    add(out, prefix);
    return;
  default:
    return;  // EXT: application-specific bytes with no scalar meaning here
  }
}

std::string number_text(double d) {
  if (!std::isfinite(d))
    return {};
  char buf[32];
  // Plain to_chars picks the shorter of fixed and scientific ("1e+06" for a million),
  // which would garble numeric ids; integral values are printed as integers instead.
  const auto r = std::trunc(d) == d && std::fabs(d) <= exact_limit
                     ? std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(d))
                     : std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string value_text(const value& v) {
  switch (v.type) {
  case value::kind::string: return v.text;
  case value::kind::number: return number_text(v.number);
  case value::kind::boolean: return v.number != 0 ? "true" : "false";
  case value::kind::null: return {};
  }
  return {};
}

} // namespace cohort::codecs::detail
