// Typed, error-collecting access to a yaml-cpp tree (see yaml_reader.hpp).
#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "config/values.hpp"
#include "config/yaml_json.hpp"

namespace cohort::config {
namespace {

constexpr std::size_t k_max_shown_chars = 40;

// yaml-cpp marks are 0-based and -1 when unknown; config_error positions are 1-based.
void set_position(field& f, const YAML::Mark& mark) {
  if (mark.line < 0) return;
  f.line = mark.line + 1;
  f.column = mark.column + 1;
}

// An empty value ("key:" and nothing) has no useful mark of its own: yaml-cpp puts it at
// the start of the next token, often on the next line.
bool has_own_position(const YAML::Node& node) {
  return node.IsDefined() && !node.IsNull() && node.Mark().line >= 0;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

std::string key_text(const YAML::Node& key) {
  return key.IsScalar() ? key.Scalar() : "?";
}

} // namespace

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  std::string text = node.Scalar();
  if (text.size() > k_max_shown_chars) text = text.substr(0, k_max_shown_chars) + "...";
  std::string quoted;
  append_json_string(quoted, text);
  return quoted;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

yaml_reader::yaml_reader(std::vector<config_error>& errors, std::string_view text)
    : errors_(errors), text_(text) {}

field yaml_reader::root(const YAML::Node& node) const {
  field f{node, "", 0, 0};
  set_position(f, node.Mark());
  return f;
}

void yaml_reader::fail(const field& at, std::string message) {
  errors_.push_back(config_error{at.path, at.line, at.column, std::move(message)});
}

field yaml_reader::child(const field& parent, const YAML::Node& key,
                         const YAML::Node& value) const {
  field f{value, parent.path.empty() ? key_text(key) : parent.path + "." + key_text(key),
          parent.line, parent.column};
  // Scalars are pointed at directly; a mapping or list is pointed at by its key, which is
  // where a reader looks for "hero: missing default" (a block mapping's own mark is its
  // first child's line).
  set_position(f, has_own_position(value) && value.IsScalar() ? value.Mark() : key.Mark());
  return f;
}

void yaml_reader::walk_map(const field& f, const walk_fn& on_entry, present_keys& present) {
  if (!f.node.IsDefined() || f.node.IsNull()) return;
  if (!f.node.IsMap()) {
    fail(f, "expected a mapping, got " + describe(f.node));
    return;
  }
  for (const auto& entry : f.node) {
    const YAML::Node& key = entry.first;
    field at = child(f, key, key);
    if (!key.IsScalar()) {
      fail(at, "keys must be strings, got " + describe(key));
      continue;
    }
    if (const auto first = present.find(key.Scalar()); first != present.end()) {
      fail(at, "duplicate key '" + key.Scalar() + "' (first at line " +
                   std::to_string(first->second.line) + ")");
      continue;
    }
    present.emplace(key.Scalar(), at);
    on_entry(key.Scalar(), at, child(f, key, entry.second));
  }
}

yaml_reader::present_keys yaml_reader::read_keys(const field& f,
                                                 const std::vector<key_handler>& keys) {
  present_keys present;
  walk_map(
      f,
      [&](const std::string& key, const field& key_at, const field& value) {
        const auto handler = std::find_if(keys.begin(), keys.end(),
                                          [&](const key_handler& h) { return h.key == key; });
        if (handler != keys.end()) {
          handler->on_value(value);
          return;
        }
        std::vector<std::string> expected;
        for (const auto& h : keys) expected.push_back(h.key);
        fail(key_at, "unknown key '" + key + "' (expected one of: " + join(expected) + ")");
      },
      present);
  return present;
}

yaml_reader::present_keys yaml_reader::read_entries(const field& f, const entry_fn& on_entry) {
  present_keys present;
  walk_map(
      f, [&](const std::string& key, const field&, const field& value) { on_entry(key, value); },
      present);
  return present;
}

bool yaml_reader::read_items(const field& f, const value_fn& on_item) {
  if (!f.node.IsDefined() || f.node.IsNull()) return true;
  if (!f.node.IsSequence()) {
    fail(f, "expected a list, got " + describe(f.node));
    return false;
  }
  std::size_t index = 0;
  for (const auto& item : f.node) {
    field at{item, f.path + "[" + std::to_string(index++) + "]", f.line, f.column};
    if (has_own_position(item)) set_position(at, item.Mark());
    on_item(at);
  }
  return true;
}

bool yaml_reader::require(const field& map, const present_keys& present,
                          const std::string& key) {
  if (present.count(key) > 0) return true;
  fail(field{map.node, map.path.empty() ? key : map.path + "." + key, map.line, map.column},
       "missing required key '" + key + "'");
  return false;
}

bool yaml_reader::expect_mapping(const field& f, const std::string& what) {
  if (f.node.IsMap()) return true;
  fail(f, "expected " + what + ", got " + describe(f.node));
  return false;
}

bool yaml_reader::expect_scalar(const field& f, const char* expected) {
  if (f.node.IsScalar()) return true;
  fail(f, std::string("expected ") + expected + ", got " + describe(f.node));
  return false;
}

bool yaml_reader::read_string(const field& f, std::string& out) {
  if (!f.node.IsDefined() || f.node.IsNull()) {
    out.clear();
    return true;
  }
  if (!expect_scalar(f, "a string")) return false;
  out = f.node.Scalar();
  return true;
}

bool yaml_reader::read_nonempty_string(const field& f, std::string& out) {
  std::string text;
  if (!read_string(f, text)) return false;
  if (text.empty()) {
    fail(f, "must not be empty");
    return false;
  }
  out = std::move(text);
  return true;
}

bool yaml_reader::read_readable_file(const field& f, std::string& out) {
  std::string path;
  if (!read_string(f, path) || path.empty()) return false;
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec)) {
    fail(f, "cannot read '" + path + "': " +
                (in ? std::string("it is a directory") : std::strerror(errno)));
    return false;
  }
  out = std::move(path);
  return true;
}

bool yaml_reader::read_string_list(const field& f, std::vector<std::string>& out) {
  std::vector<std::string> items;
  bool ok = true;
  const bool is_list = read_items(f, [&](const field& item) {
    std::string text;
    if (read_nonempty_string(item, text)) {
      items.push_back(std::move(text));
    } else {
      ok = false;
    }
  });
  if (!is_list || !ok) return false;
  out = std::move(items);
  return true;
}

bool yaml_reader::read_positive_size(const field& f, std::size_t& out) {
  if (!expect_scalar(f, "a positive integer")) return false;
  const std::string& text = f.node.Scalar();
  std::uint64_t value = 0;
  if (!all_digits(text)) {
    fail(f, "expected a positive integer, got " + describe(f.node));
    return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || value > std::numeric_limits<std::size_t>::max()) {
    fail(f, "number " + text + " is too large");
    return false;
  }
  if (value == 0) {
    fail(f, "must be greater than 0");
    return false;
  }
  out = static_cast<std::size_t>(value);
  return true;
}

bool yaml_reader::read_int(const field& f, int& out) {
  if (!expect_scalar(f, "an integer")) return false;
  const std::string& text = f.node.Scalar();
  const bool negative = !text.empty() && text.front() == '-';
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!all_digits(negative ? text.substr(1) : text) || ec != std::errc{} ||
      end != text.data() + text.size()) {
    fail(f, "expected an integer, got " + describe(f.node));
    return false;
  }
  out = value;
  return true;
}

bool yaml_reader::read_bool(const field& f, bool& out) {
  if (!expect_scalar(f, "true or false")) return false;
  const std::string& text = f.node.Scalar();
  if (text != "true" && text != "false") {
    fail(f, "expected true or false, got " + describe(f.node));
    return false;
  }
  out = text == "true";
  return true;
}

bool yaml_reader::read_number(const field& f, double& out) {
  if (!expect_scalar(f, "a number")) return false;
  const std::string& text = f.node.Scalar();
  char* end = nullptr;
  const double value = text.empty() ? 0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
    fail(f, "expected a number, got " + describe(f.node));
    return false;
  }
  out = value;
  return true;
}

bool yaml_reader::read_duration(const field& f, duration& out, bool allow_zero) {
  static const char* const k_expected = "a duration such as 500ms, 10s, 30m, 24h or 7d";
  if (!expect_scalar(f, k_expected)) return false;
  duration value{};
  if (!parse_duration(f.node.Scalar(), value)) {
    fail(f, std::string("expected ") + k_expected + ", got " + describe(f.node));
    return false;
  }
  if (value.count() == 0 && !allow_zero) {
    fail(f, "must be greater than 0");
    return false;
  }
  out = value;
  return true;
}

bool yaml_reader::read_host_port(const field& f, std::string& out, bool allow_port_zero) {
  static const char* const k_expected = "host:port such as 127.0.0.1:8080 or [::1]:8080";
  if (!expect_scalar(f, k_expected)) return false;
  std::string host;
  unsigned short port = 0;
  const std::string problem = check_host_port(f.node.Scalar(), host, port);
  if (!problem.empty()) {
    fail(f, std::string("expected ") + k_expected + ", got " + describe(f.node) + ": " + problem);
    return false;
  }
  if (port == 0 && !allow_port_zero) {
    fail(f, "port must be between 1 and 65535, got " + describe(f.node));
    return false;
  }
  out = f.node.Scalar();
  return true;
}

bool yaml_reader::read_choice(const field& f, const std::vector<std::string>& choices,
                              std::string& out) {
  const std::string expected = "one of " + join(choices, " | ");
  if (!expect_scalar(f, expected.c_str())) return false;
  if (std::find(choices.begin(), choices.end(), f.node.Scalar()) == choices.end()) {
    fail(f, "expected " + expected + ", got " + describe(f.node));
    return false;
  }
  out = f.node.Scalar();
  return true;
}

std::pair<int, int> yaml_reader::text_start(const field& f) const {
  const YAML::Mark mark = f.node.Mark();
  if (!f.node.IsScalar() || mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text_.size()) {
    return {f.line, f.column};
  }
  const auto pos = static_cast<std::size_t>(mark.pos);
  const char indicator = text_[pos];
  if (indicator == '\'' || indicator == '"') return {mark.line + 1, mark.column + 2};
  if (indicator != '|' && indicator != '>') return {mark.line + 1, mark.column + 1};
  // Block scalar: the text starts at the first non-blank line after the indicator's line.
  int line = mark.line + 1;
  std::size_t i = text_.find('\n', pos);
  while (i != std::string_view::npos) {
    ++line;
    const std::size_t line_start = i + 1;
    std::size_t j = line_start;
    while (j < text_.size() && text_[j] == ' ') ++j;
    if (j < text_.size() && text_[j] != '\n' && text_[j] != '\r') {
      return {line, static_cast<int>(j - line_start) + 1};
    }
    i = text_.find('\n', line_start);
  }
  return {mark.line + 1, mark.column + 1};
}

} // namespace cohort::config
