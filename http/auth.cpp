#include "http/auth.hpp"

#include <cstdint>

#include "codecs/base64.hpp"

namespace cohort::http {

using codecs::base64_decode;
using codecs::base64_encode;

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}


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
