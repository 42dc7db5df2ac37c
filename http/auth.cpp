#include "http/auth.hpp"

#include <cstdint>

namespace cohort::http {

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-')
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=')
      break;
    int v = base64_value(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string base64_encode(std::string_view in) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0)
    out += alphabet[(acc << (6 - bits)) & 63];
  while (out.size() % 4 != 0)
    out += '=';
  return out;
}

} // namespace

std::string basic_authorization(std::string_view user) {
  return "Basic " + base64_encode(std::string(user) + ":");
}

std::optional<std::string> basic_user(std::string_view authorization) {
  constexpr std::string_view scheme = "Basic ";
  if (authorization.size() <= scheme.size()
      || authorization.substr(0, scheme.size()) != scheme)
    return std::nullopt;
  auto decoded = base64_decode(authorization.substr(scheme.size()));
  if (!decoded)
    return std::nullopt;
  return decoded->substr(0, decoded->find(':'));
}

bool write_key_allowed(const std::vector<std::string>& keys, std::string_view key) {
  if (keys.empty())
    return true;
  bool found = false;
  for (const auto& k : keys)
    found |= constant_time_equal(k, key);  // no early exit: timing reveals nothing
  return found;
}

bool bearer_allowed(const std::string& token, std::string_view authorization) {
  if (token.empty())
    return true;
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() < scheme.size() || authorization.substr(0, scheme.size()) != scheme)
    return false;
  return constant_time_equal(token, authorization.substr(scheme.size()));
}

} // namespace cohort::http
