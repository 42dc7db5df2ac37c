#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::it {

/// A parsed JSON response (simdjson DOM) with lookups by JSON pointer ("/a/0/b").
/// Lookups of a missing path or of another type give nullopt, never throw.
class json_doc {
public:
  /// Throws std::runtime_error quoting the text when it is not valid JSON.
  explicit json_doc(std::string_view text);

  simdjson::dom::element root() const { return root_; }
  const std::string& text() const { return text_; }

  std::optional<simdjson::dom::element> at(std::string_view pointer) const;
  std::optional<std::int64_t> int_at(std::string_view pointer) const;
  std::optional<double> number_at(std::string_view pointer) const;
  std::optional<std::string> string_at(std::string_view pointer) const;
  std::optional<bool> bool_at(std::string_view pointer) const;
  /// Size of the array at `pointer`; nullopt when it is not an array.
  std::optional<std::size_t> array_size(std::string_view pointer) const;

  /// Elements of the array at `pointer`; empty when it is not an array.
  std::vector<simdjson::dom::element> items(std::string_view pointer) const;
  /// Fields of the object at `pointer`; empty when it is not an object.
  std::vector<std::pair<std::string, simdjson::dom::element>> fields(std::string_view pointer) const;

private:
  std::string text_;
  std::unique_ptr<simdjson::dom::parser> parser_;
  simdjson::dom::element root_;
};

/// Escapes a string as a JSON string literal (with quotes).
std::string quote(std::string_view s);

/// Element helpers for iteration over arrays of objects.
std::optional<std::string> string_field(simdjson::dom::element e, std::string_view key);
std::optional<std::int64_t> int_field(simdjson::dom::element e, std::string_view key);

} // namespace cohort::it
