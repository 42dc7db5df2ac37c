#include "codecs/json_writer.hpp"

#include <charconv>
#include <cmath>

namespace cohort::codecs {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when the bytes there are not one
// (overlong forms, surrogates and code points past U+10FFFF count as invalid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2))
      return 0;
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) > 0x9F))
      return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3))
      return 0;
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) > 0x8F))
      return 0;
    return 4;
  }
  return 0;
}

void append_quoted(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
    case '"': out += "\\\""; ++i; continue;
    case '\\': out += "\\\\"; ++i; continue;
    case '\b': out += "\\b"; ++i; continue;
    case '\f': out += "\\f"; ++i; continue;
    case '\n': out += "\\n"; ++i; continue;
    case '\r': out += "\\r"; ++i; continue;
    case '\t': out += "\\t"; ++i; continue;
    default: break;
    }
    if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xF];
      ++i;
      continue;
    }
    // msgpack bodies and log lines may carry arbitrary bytes; the output must stay valid
    // JSON for browsers and SDKs, so a broken sequence becomes U+FFFD.
    const std::size_t n = utf8_length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  out += '"';
}

} // namespace

std::string json_quote(std::string_view s) {
  std::string out;
  append_quoted(out, s);
  return out;
}

void json_writer::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (first_.empty())
    return;
  if (!first_.back())
    out_ += ',';
  first_.back() = false;
}

json_writer& json_writer::begin_object() {
  separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

json_writer& json_writer::begin_array() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  separate();
  append_quoted(out_, k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view s) {
  separate();
  append_quoted(out_, s);
  return *this;
}

json_writer& json_writer::value(double d) {
  if (!std::isfinite(d))
    return null();  // JSON has no NaN or Infinity
  separate();
  // Shortest text that reads back to the same double. Plain to_chars prefers "1e+06"
  // to "1000000" when shorter; integral values up to 2^53 are written as integers.
  char buf[32];
  const auto r = std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0
                     ? std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(d))
                     : std::to_chars(buf, buf + sizeof buf, d);
  out_.append(buf, r.ptr);
  return *this;
}

json_writer& json_writer::value(std::int64_t i) {
  separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, i);
  out_.append(buf, r.ptr);
  return *this;
}

json_writer& json_writer::value(std::uint64_t u) {
  separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, u);
  out_.append(buf, r.ptr);
  return *this;
}

json_writer& json_writer::value(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

json_writer& json_writer::value(const codecs::value& v) {
  switch (v.type) {
  case codecs::value::kind::null: return null();
  case codecs::value::kind::boolean: return value(v.number != 0);
  case codecs::value::kind::number: return value(v.number);
  case codecs::value::kind::string: return value(std::string_view{v.text});
  }
  return null();
}

json_writer& json_writer::null() {
  separate();
  out_ += "null";
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

json_writer& json_writer::attributes_object(const attributes& attrs) {
  begin_object();
  for (const auto& a : attrs)
    key(a.key).value(a.val);
  return end_object();
}

} // namespace cohort::codecs
