#pragma once

#include <memory>
#include <string>

#include "codecs/result.hpp"
#include "config/config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace cohort::http {

/// The server's OpenSSL context (TLS 1.2+), loaded once from the PEM files of
/// `http.tls`. Kept behind this class so that only the server sources include OpenSSL.
class tls_context {
public:
  /// Loads and checks the certificate chain and private key. Fails with a reason naming
  /// the config key (http.tls.cert_file / key_file) and OpenSSL's error, never the file's
  /// contents: the key is a secret.
  static result<std::shared_ptr<tls_context>> load(const std::string& cert_file,
                                                   const std::string& key_file);
  /// load() for `http.tls`; null when TLS is off (no cert_file).
  static result<std::shared_ptr<tls_context>> load(const config::tls_config& tls);
  ~tls_context();

  boost::asio::ssl::context& native();

private:
  tls_context();
  std::unique_ptr<boost::asio::ssl::context> ctx_;
};

} // namespace cohort::http
