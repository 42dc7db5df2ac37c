#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/event.hpp"

namespace cohort::codecs {

/// Builds compact JSON text; commas and string escaping are handled here so that callers
/// only state structure. Misuse (a value where a key is due) is a programmer error.
class json_writer {
public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view s);
  json_writer& value(const char* s) { return value(std::string_view{s}); }
  json_writer& value(const std::string& s) { return value(std::string_view{s}); }
  json_writer& value(double d);          ///< Non-finite numbers are written as null.
  json_writer& value(std::int64_t i);
  json_writer& value(int i) { return value(static_cast<std::int64_t>(i)); }
  json_writer& value(std::uint64_t u);
  json_writer& value(bool b);
  json_writer& value(const codecs::value& v);
  json_writer& null();
  json_writer& raw(std::string_view json);  ///< Inserts pre-encoded JSON as one value.
  /// Writes flattened attributes back as one flat object {"a.b": 1, ...}.
  json_writer& attributes_object(const attributes& attrs);
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

/// Escapes `s` as a JSON string literal including quotes.
std::string json_quote(std::string_view s);

} // namespace cohort::codecs
