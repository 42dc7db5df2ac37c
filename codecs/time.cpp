#include "codecs/time.hpp"

#include <chrono>
#include <cstdio>

namespace cohort::codecs {

namespace {

// Howard Hinnant's civil calendar algorithms: exact for any year, and independent of the
// process time zone (timegm/TZ would be neither thread-safe nor portable).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// A cursor over the text; every read either consumes exactly what it names or fails.
struct cursor {
  std::string_view s;
  std::size_t pos = 0;

  bool done() const { return pos == s.size(); }
  bool peek(char c) const { return pos < s.size() && s[pos] == c; }
  bool eat(char c) {
    if (!peek(c))
      return false;
    ++pos;
    return true;
  }
  bool digits(std::size_t n, unsigned& out) {
    if (s.size() - pos < n)
      return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s[pos + i];
      if (c < '0' || c > '9')
        return false;
      out = out * 10 + static_cast<unsigned>(c - '0');
    }
    pos += n;
    return true;
  }
};

} // namespace

std::optional<std::int64_t> parse_iso8601(std::string_view text) {
  cursor c{text};
  unsigned year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
  if (!c.digits(4, year) || !c.eat('-') || !c.digits(2, month) || !c.eat('-') ||
      !c.digits(2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
    return std::nullopt;
  std::int64_t offset_minutes = 0;
  if (!c.done()) {
    // RFC 3339 allows a space (and lower case t) in place of 'T'.
    if (!c.eat('T') && !c.eat('t') && !c.eat(' '))
      return std::nullopt;
    if (!c.digits(2, hour) || !c.eat(':') || !c.digits(2, minute))
      return std::nullopt;
    if (c.eat(':') && !c.digits(2, second))
      return std::nullopt;
    if (c.eat('.') || c.eat(',')) {
      // Any number of fraction digits; milliseconds keep the first three (truncated).
      std::size_t n = 0;
      unsigned digit;
      while (c.digits(1, digit)) {
        if (n < 3)
          millis = millis * 10 + digit;
        ++n;
      }
      if (n == 0)
        return std::nullopt;
      for (; n < 3; ++n)
        millis *= 10;
    }
    // Second 60 is a leap second; it folds into the next minute like most parsers do.
    if (hour > 23 || minute > 59 || second > 60)
      return std::nullopt;
    if (c.eat('Z') || c.eat('z')) {
      // UTC
    } else if (c.peek('+') || c.peek('-')) {
      const int sign = c.s[c.pos++] == '-' ? -1 : 1;
      unsigned oh, om = 0;
      if (!c.digits(2, oh))
        return std::nullopt;
      if (c.eat(':')) {
        if (!c.digits(2, om))
          return std::nullopt;
      } else if (!c.done() && !c.digits(2, om)) {
        return std::nullopt;
      }
      if (oh > 23 || om > 59)
        return std::nullopt;
      offset_minutes = sign * static_cast<std::int64_t>(oh * 60 + om);
    }
    // No zone at all: read as UTC, the only zone a server can assume.
    if (!c.done())
      return std::nullopt;
  }
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t secs =
      days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::string format_iso8601(std::int64_t unix_ms) {
  // Floor division so that times before 1970 still get a non-negative time of day.
  std::int64_t days = unix_ms / 86400000;
  std::int64_t rem = unix_ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const auto ms = static_cast<unsigned>(rem % 1000);
  const auto s = static_cast<unsigned>(rem / 1000);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ",
                static_cast<long long>(y), m, d, s / 3600, s / 60 % 60, s % 60, ms);
  return buf;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace cohort::codecs
