#include "connectors/webhook_signer.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "codecs/base64.hpp"

namespace cohort::connectors {

result<webhook_signer> webhook_signer::from_secret(const std::string& secret) {
  constexpr std::string_view prefix = "whsec_";
  if (secret.rfind(prefix, 0) != 0)
    return failure{2, "webhook secret must start with whsec_"};
  auto key = codecs::base64_decode(std::string_view(secret).substr(prefix.size()));
  if (!key || key->size() < 24 || key->size() > 64)
    return failure{2, "webhook secret must be whsec_ + base64 of 24 to 64 bytes"};
  return webhook_signer{std::move(*key)};
}

std::string webhook_signer::sign(const std::string& id, std::int64_t timestamp_s,
                                 const std::string& body) const {
  const std::string content = id + "." + std::to_string(timestamp_s) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &mac_size);
  return "v1," + codecs::base64_encode(
                   std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

std::string webhook_id(const std::string& profile, std::uint64_t seq) {
  const std::string content = profile + '\n' + std::to_string(seq);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(content.data()), content.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "msg_";
  for (int i = 0; i < 16; ++i) {
    id += hex[digest[i] >> 4];
    id += hex[digest[i] & 15];
  }
  return id;
}

} // namespace cohort::connectors
