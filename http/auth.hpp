#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::http {

/// Compares secrets in time that depends only on the lengths, not on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

/// The user name of an `Authorization: Basic base64(user:password)` header (Segment puts
/// the write key there); nullopt when the header is absent or not valid Basic.
std::optional<std::string> basic_user(std::string_view authorization);

/// "Basic base64(user:)": how Segment SDKs send a write key.
std::string basic_authorization(std::string_view user);

/// True when auth is off (`keys` empty) or `key` is one of `keys`.
bool write_key_allowed(const std::vector<std::string>& keys, std::string_view key);

/// True when `token` is empty (admin open) or `authorization` is `Bearer <token>`.
bool bearer_allowed(const std::string& token, std::string_view authorization);

} // namespace cohort::http
