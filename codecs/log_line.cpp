#include "codecs/log_line.hpp"

#include <charconv>

#include "codecs/flatten.hpp"
#include "codecs/time.hpp"

namespace cohort::codecs::detail {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

value typed(std::string text) {
  if (text == "true" || text == "false")
    return value::of_bool(text == "true");
  double d;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, d);
  // Only exact round trips become numbers, so ids like "007" keep their digits.
  if (!text.empty() && r.ec == std::errc{} && r.ptr == end && number_text(d) == text)
    return value::of_number(d);
  return value::of_string(std::move(text));
}

} // namespace

attributes parse_log_line(std::string_view line) {
  attributes out;
  std::size_t pos = 0;
  const auto skip_space = [&] {
    while (pos < line.size() && is_space(line[pos]))
      ++pos;
  };
  skip_space();
  std::size_t end = pos;
  while (end < line.size() && !is_space(line[end]))
    ++end;
  std::string_view first = line.substr(pos, end - pos);
  if (first.size() >= 2 && first.front() == '[' && first.back() == ']')
    first = first.substr(1, first.size() - 2);
  if (parse_iso8601(first)) {
    out.push_back({"time", value::of_string(std::string(first))});
    pos = end;
  }
  for (;;) {
    skip_space();
    if (pos >= line.size())
      break;
    const std::size_t key_start = pos;
    while (pos < line.size() && !is_space(line[pos]) && line[pos] != '=')
      ++pos;
    const std::string_view key = line.substr(key_start, pos - key_start);
    if (pos >= line.size() || line[pos] != '=' || key.empty()) {
      while (pos < line.size() && !is_space(line[pos]))
        ++pos;  // a bare word
      continue;
    }
    ++pos;  // '='
    if (pos < line.size() && line[pos] == '"') {
      // Quoted: backslash escapes the next character; an unclosed quote runs to the end.
      std::string text;
      for (++pos; pos < line.size() && line[pos] != '"'; ++pos) {
        if (line[pos] == '\\' && pos + 1 < line.size())
          ++pos;
        text += line[pos];
      }
      ++pos;  // closing quote
      out.push_back({std::string(key), value::of_string(std::move(text))});
    } else {
      const std::size_t value_start = pos;
      while (pos < line.size() && !is_space(line[pos]))
        ++pos;
      out.push_back({std::string(key), typed(std::string(line.substr(value_start, pos - value_start)))});
    }
  }
  out.push_back({"log_line", value::of_string(std::string(line))});
  return out;
}

} // namespace cohort::codecs::detail
