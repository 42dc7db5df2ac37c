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

/// The fields of a timestamp as written, before any range check.
struct civil_time {
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  std::int64_t offset_minutes = 0;
};

/// Unix milliseconds of `t`; nullopt when a field is out of range.
std::optional<std::int64_t> unix_ms_of(const civil_time& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > days_in_month(t.year, t.month))
    return std::nullopt;
  // Second 60 is a leap second; it folds into the next minute like most parsers do.
  if (t.hour > 23 || t.minute > 59 || t.second > 60)
    return std::nullopt;
  const std::int64_t days = days_from_civil(t.year, t.month, t.day);
  const std::int64_t secs = days * 86400 + t.hour * 3600 + t.minute * 60 + t.second
                            - t.offset_minutes * 60;
  return secs * 1000 + t.millis;
}

/// "YYYY-MM-DDTHH:MM:SS.mmmZ", what JavaScript's toISOString (so analytics.js and most
/// SDKs) sends, read at fixed positions: a parse costs ~260 instructions instead of
/// ~470 through the general reader below. False for any other shape, which the general
/// reader then takes.
bool read_common(std::string_view s, civil_time& t) {
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':'
      || s[16] != ':' || s[19] != '.' || s[23] != 'Z')
    return false;
  unsigned bad = 0;  // straight-line checks: a loop over the positions was half the cost
  auto d = [&](std::size_t i) {
    const auto digit = static_cast<unsigned>(static_cast<unsigned char>(s[i]) - '0');
    bad |= static_cast<unsigned>(digit > 9);
    return digit;
  };
  t.year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  t.month = d(5) * 10 + d(6);
  t.day = d(8) * 10 + d(9);
  t.hour = d(11) * 10 + d(12);
  t.minute = d(14) * 10 + d(15);
  t.second = d(17) * 10 + d(18);
  t.millis = d(20) * 100 + d(21) * 10 + d(22);
  return bad == 0;
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

/// Every shape parse_iso8601 accepts; false when the text is not one of them.
bool read_general(std::string_view text, civil_time& t) {
  cursor c{text};
  if (!c.digits(4, t.year) || !c.eat('-') || !c.digits(2, t.month) || !c.eat('-')
      || !c.digits(2, t.day))
    return false;
  if (c.done())
    return true;
  // RFC 3339 allows a space (and lower case t) in place of 'T'.
  if (!c.eat('T') && !c.eat('t') && !c.eat(' '))
    return false;
  if (!c.digits(2, t.hour) || !c.eat(':') || !c.digits(2, t.minute))
    return false;
  if (c.eat(':') && !c.digits(2, t.second))
    return false;
  if (c.eat('.') || c.eat(',')) {
    // Any number of fraction digits; milliseconds keep the first three (truncated).
    std::size_t n = 0;
    unsigned digit;
    while (c.digits(1, digit)) {
      if (n < 3)
        t.millis = t.millis * 10 + digit;
      ++n;
    }
    if (n == 0)
      return false;
    for (; n < 3; ++n)
      t.millis *= 10;
  }
  if (c.eat('Z') || c.eat('z')) {
    // UTC
  } else if (c.peek('+') || c.peek('-')) {
    const int sign = c.s[c.pos++] == '-' ? -1 : 1;
    unsigned oh, om = 0;
    if (!c.digits(2, oh))
      return false;
    if (c.eat(':')) {
      if (!c.digits(2, om))
        return false;
    } else if (!c.done() && !c.digits(2, om)) {
      return false;
    }
    if (oh > 23 || om > 59)
      return false;
    t.offset_minutes = sign * static_cast<std::int64_t>(oh * 60 + om);
  }
  // No zone at all: read as UTC, the only zone a server can assume.
  return c.done();
}

} // namespace

std::optional<std::int64_t> parse_iso8601(std::string_view text) {
  civil_time t;
  if (read_common(text, t))
    return unix_ms_of(t);
  t = civil_time{};  // what a failed read_common left
  return read_general(text, t) ? unix_ms_of(t) : std::nullopt;
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
