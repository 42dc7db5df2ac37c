// Scalar value syntaxes of the config file: durations and host:port addresses.
#include "config/values.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

#include "config/loader.hpp"

namespace cohort::config {
namespace {

// Milliseconds per unit, or 0 for an unknown unit. Units are lower case only, so that
// "30M" (months?) is rejected instead of silently read as minutes.
std::int64_t unit_millis(const std::string& unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 60 * 60 * 1000;
  if (unit == "d") return 24 * 60 * 60 * 1000;
  return 0;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Host names and IPv4 addresses; IPv6 must be bracketed, so ':' is not allowed here.
bool valid_plain_host(const std::string& host) {
  if (host.empty()) return false;
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

// The inside of "[...]": an IPv6 address, possibly with a "%zone" suffix.
bool valid_ipv6_host(const std::string& host) {
  if (host.find(':') == std::string::npos) return false;
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != ':' && c != '.' && c != '%' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

std::string check_port(const std::string& text, unsigned short& port) {
  if (text.empty()) return "missing port";
  if (!all_digits(text)) return "port '" + text + "' is not a number";
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) {
    return "port " + text + " is out of range (0-65535)";
  }
  port = static_cast<unsigned short>(value);
  return "";
}

} // namespace

bool parse_duration(const std::string& text, duration& out) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0) return false;
  const std::int64_t per_unit = unit_millis(text.substr(digits));
  if (per_unit == 0) return false;
  std::int64_t count = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, count);
  if (ec != std::errc{} || end != text.data() + digits) return false;
  if (count > std::numeric_limits<std::int64_t>::max() / per_unit) return false;
  out = duration{count * per_unit};
  return true;
}

std::string check_host_port(const std::string& text, std::string& host,
                            unsigned short& port) {
  std::string host_part;
  std::string rest;  // what follows the host: ":port", or something invalid
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return "missing ']' after IPv6 address";
    host_part = text.substr(1, close - 1);
    if (!valid_ipv6_host(host_part)) return "'" + host_part + "' is not an IPv6 address";
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    if (colon == std::string::npos) return "missing port";
    if (text.find(':', colon + 1) != std::string::npos) {
      return "IPv6 addresses must be bracketed, as in [::1]:8080";
    }
    host_part = text.substr(0, colon);
    rest = text.substr(colon);
    if (host_part.empty()) return "missing host";
    if (!valid_plain_host(host_part)) return "'" + host_part + "' is not a valid host";
  }
  if (rest.empty() || rest.front() != ':') return "missing port";
  unsigned short parsed = 0;
  if (auto problem = check_port(rest.substr(1), parsed); !problem.empty()) return problem;
  host = host_part;
  port = parsed;
  return "";
}

bool parse_host_port(const std::string& text, std::string& host, unsigned short& port) {
  return check_host_port(text, host, port).empty();
}

} // namespace cohort::config
