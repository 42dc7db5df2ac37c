// YAML -> JSON, for content payloads: the decision API returns them as JSON verbatim.
#include "config/yaml_json.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>

namespace cohort::config {
namespace {

constexpr int k_max_depth = 64;
// Anchors let a few lines expand exponentially ("billion laughs"); payloads are served on
// every decision, so anything this large is a mistake.
constexpr std::size_t k_max_json_bytes = 1 << 20;

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) { length = 2; code = b0 & 0x1F; }
  else if ((b0 & 0xF0) == 0xE0) { length = 3; code = b0 & 0x0F; }
  else if ((b0 & 0xF8) == 0xF0) { length = 4; code = b0 & 0x07; }
  else return 0;
  if (i + length > s.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    code = (code << 6) | (b & 0x3F);
  }
  static constexpr std::uint32_t k_min_code[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < k_min_code[length] || code > 0x10FFFF) return 0;
  if (code >= 0xD800 && code <= 0xDFFF) return 0;
  return length;
}

void append_escaped_control(std::string& out, unsigned char c) {
  switch (c) {
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  out += "\\u00";
  out += k_hex[c >> 4];
  out += k_hex[c & 0x0F];
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s) {
  std::size_t i = 0;
  auto digits_from = [&](std::size_t start) {
    std::size_t end = start;
    while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
    return end;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size()) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    const auto end = digits_from(i);
    if (end == i) return false;
    i = end;
  }
  if (i < s.size() && s[i] == '.') {
    const auto end = digits_from(i + 1);
    if (end == i + 1) return false;
    i = end;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const auto end = digits_from(i);
    if (end == i) return false;
    i = end;
  }
  return i == s.size();
}

// YAML 1.2 core float syntax that JSON does not accept as is: "+1.5", ".5", "1.", "01.5".
bool is_yaml_float(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t mantissa_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; ++mantissa_digits; }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; ++mantissa_digits; }
  }
  if (mantissa_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!is_digits(s.substr(i))) return false;
    return true;
  }
  return i == s.size();
}

bool append_float(std::string& out, std::string_view s) {
  const std::string text{s};
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  if (!std::isfinite(value)) {
    out += "null";
    return true;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
  return true;
}

// "0x1F" and "0o17" (YAML 1.2 core ints) as decimal; false when not such a number.
bool append_based_int(std::string& out, std::string_view s) {
  if (s.size() < 3 || s[0] != '0') return false;
  const int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 0;
  if (base == 0) return false;
  std::uint64_t value = 0;
  const auto digits = s.substr(2);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return false;
  out += std::to_string(value);
  return true;
}

// .inf and .nan in their YAML spellings.
bool is_non_finite(std::string_view s) {
  static const std::set<std::string_view> k_names = {
      ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
      ".nan", ".NaN", ".NAN"};
  return k_names.count(s) > 0;
}

// Resolves an untagged plain scalar as the YAML 1.2 core schema does.
void append_plain_scalar(std::string& out, std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    out += "null";
  } else if (s == "true" || s == "True" || s == "TRUE") {
    out += "true";
  } else if (s == "false" || s == "False" || s == "FALSE") {
    out += "false";
  } else if (is_json_number(s)) {
    out += s;
  } else if (is_non_finite(s)) {
    out += "null";
  } else if (append_based_int(out, s)) {
    // appended
  } else if (!(is_yaml_float(s) && append_float(out, s))) {
    append_json_string(out, s);
  }
}

class encoder {
public:
  json_encoding run(const YAML::Node& node) {
    append(node, 0);
    return std::move(result_);
  }

private:
  bool fail(const YAML::Node& at, std::string message) {
    result_.error = std::move(message);
    result_.mark = at.Mark();
    return false;
  }

  bool append(const YAML::Node& node, int depth) {
    if (depth > k_max_depth) {
      return fail(node, "nested deeper than " + std::to_string(k_max_depth) + " levels");
    }
    if (result_.json.size() > k_max_json_bytes) {
      return fail(node, "larger than " + std::to_string(k_max_json_bytes) + " bytes as JSON");
    }
    switch (node.Type()) {
      case YAML::NodeType::Map: return append_map(node, depth);
      case YAML::NodeType::Sequence: return append_list(node, depth);
      case YAML::NodeType::Scalar: append_scalar(node); return true;
      default: result_.json += "null"; return true;
    }
  }

  void append_scalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    // "?" marks a plain scalar; the core schema's own tags are resolved the same way.
    const bool resolve = tag == "?" || tag == "tag:yaml.org,2002:int" ||
                         tag == "tag:yaml.org,2002:float" || tag == "tag:yaml.org,2002:bool" ||
                         tag == "tag:yaml.org,2002:null";
    if (resolve) {
      append_plain_scalar(result_.json, node.Scalar());
    } else {
      append_json_string(result_.json, node.Scalar());
    }
  }

  bool append_map(const YAML::Node& node, int depth) {
    std::set<std::string> seen;
    result_.json += '{';
    bool first = true;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) return fail(key, "payload keys must be strings");
      if (!seen.insert(key.Scalar()).second) {
        return fail(key, "duplicate key '" + key.Scalar() + "'");
      }
      if (!first) result_.json += ',';
      first = false;
      append_json_string(result_.json, key.Scalar());
      result_.json += ':';
      if (!append(entry.second, depth + 1)) return false;
    }
    result_.json += '}';
    return true;
  }

  bool append_list(const YAML::Node& node, int depth) {
    result_.json += '[';
    bool first = true;
    for (const auto& item : node) {
      if (!first) result_.json += ',';
      first = false;
      if (!append(item, depth + 1)) return false;
    }
    result_.json += ']';
    return true;
  }

  json_encoding result_;
};

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      append_escaped_control(out, c);
      ++i;
    } else if (const auto length = utf8_sequence_length(s, i); length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(s.substr(i, length));
      i += length;
    }
  }
  out += '"';
}

json_encoding yaml_to_json(const YAML::Node& node) {
  return encoder{}.run(node);
}

} // namespace cohort::config
