#pragma once

#include <cstdint>
#include <string>

#include "codecs/result.hpp"

namespace cohort::connectors {

/// Signs webhook payloads as the Standard Webhooks specification says, so receivers
/// verify them with its libraries: `webhook-signature: v1,<base64 HMAC-SHA256(key,
/// id + "." + timestamp + "." + body)>`, the key being the base64 after `whsec_`.
class webhook_signer {
public:
  /// Fails (without quoting the secret) unless it is whsec_ + base64 of 24..64 bytes.
  static result<webhook_signer> from_secret(const std::string& secret);

  /// The `webhook-signature` header value for one attempt.
  std::string sign(const std::string& id, std::int64_t timestamp_s, const std::string& body) const;

private:
  explicit webhook_signer(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

/// The `webhook-id` of the change numbered `seq` in `profile`'s sequence: the same change
/// always gets the same id (a replay after a crash re-derives the same numbers), so a
/// receiver drops repeats by id. "msg_" + 32 hex digits of SHA-256(profile, seq).
std::string webhook_id(const std::string& profile, std::uint64_t seq);

} // namespace cohort::connectors
