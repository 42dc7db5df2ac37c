#include "json_doc.hpp"

#include <cstdio>
#include <stdexcept>

namespace cohort::it {

json_doc::json_doc(std::string_view text)
    : text_(text), parser_(std::make_unique<simdjson::dom::parser>()) {
  auto parsed = parser_->parse(text_);
  if (parsed.error())
    throw std::runtime_error(std::string("invalid JSON (") + simdjson::error_message(parsed.error()) +
                             "): " + text_.substr(0, 2000));
  root_ = parsed.value_unsafe();
}

std::optional<simdjson::dom::element> json_doc::at(std::string_view pointer) const {
  auto r = root_.at_pointer(pointer);
  if (r.error())
    return std::nullopt;
  return r.value_unsafe();
}

std::optional<std::int64_t> json_doc::int_at(std::string_view pointer) const {
  auto e = at(pointer);
  if (!e)
    return std::nullopt;
  if (e->is_int64())
    return e->get_int64().value_unsafe();
  if (e->is_uint64())
    return static_cast<std::int64_t>(e->get_uint64().value_unsafe());
  if (e->is_double()) {
    double d = e->get_double().value_unsafe();
    if (d == static_cast<double>(static_cast<std::int64_t>(d)))
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<double> json_doc::number_at(std::string_view pointer) const {
  auto e = at(pointer);
  if (!e || !e->is_number())
    return std::nullopt;
  return e->get_double().value_unsafe();
}

std::optional<std::string> json_doc::string_at(std::string_view pointer) const {
  auto e = at(pointer);
  if (!e || !e->is_string())
    return std::nullopt;
  return std::string(e->get_string().value_unsafe());
}

std::optional<bool> json_doc::bool_at(std::string_view pointer) const {
  auto e = at(pointer);
  if (!e || !e->is_bool())
    return std::nullopt;
  return e->get_bool().value_unsafe();
}

std::optional<std::size_t> json_doc::array_size(std::string_view pointer) const {
  auto e = at(pointer);
  if (!e || !e->is_array())
    return std::nullopt;
  return e->get_array().value_unsafe().size();
}

std::vector<simdjson::dom::element> json_doc::items(std::string_view pointer) const {
  std::vector<simdjson::dom::element> out;
  auto e = at(pointer);
  if (!e || !e->is_array())
    return out;
  simdjson::dom::array arr = e->get_array().value_unsafe();
  for (simdjson::dom::element item : arr)
    out.push_back(item);
  return out;
}

std::vector<std::pair<std::string, simdjson::dom::element>> json_doc::fields(
    std::string_view pointer) const {
  std::vector<std::pair<std::string, simdjson::dom::element>> out;
  auto e = at(pointer);
  if (!e || !e->is_object())
    return out;
  simdjson::dom::object obj = e->get_object().value_unsafe();
  for (auto field : obj)
    out.emplace_back(std::string(field.key), field.value);
  return out;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

std::optional<std::string> string_field(simdjson::dom::element e, std::string_view key) {
  auto v = e[key];
  if (v.error() || !v.value_unsafe().is_string())
    return std::nullopt;
  return std::string(v.value_unsafe().get_string().value_unsafe());
}

std::optional<std::int64_t> int_field(simdjson::dom::element e, std::string_view key) {
  auto v = e[key];
  if (v.error())
    return std::nullopt;
  auto i = v.value_unsafe().get_int64();
  if (i.error())
    return std::nullopt;
  return i.value_unsafe();
}

} // namespace cohort::it
