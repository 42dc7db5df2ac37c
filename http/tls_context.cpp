#include "http/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>

namespace cohort::http {

namespace ssl = boost::asio::ssl;

tls_context::tls_context() : ctx_(std::make_unique<ssl::context>(ssl::context::tls_server)) {
}

tls_context::~tls_context() = default;

ssl::context& tls_context::native() {
  return *ctx_;
}

result<std::shared_ptr<tls_context>> tls_context::load(const std::string& cert_file,
                                                       const std::string& key_file) {
  std::shared_ptr<tls_context> tls(new tls_context);
  auto& ctx = *tls->ctx_;
  boost::system::error_code ec;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                    | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1
                    | ssl::context::single_dh_use,
                  ec);
  if (ec)
    return failure{500, "http.tls: cannot set TLS options: " + ec.message()};
  if (ctx.use_certificate_chain_file(cert_file, ec); ec)
    return failure{500, "http.tls.cert_file: '" + cert_file
                          + "' is not a usable PEM certificate chain: " + ec.message()};
  if (ctx.use_private_key_file(key_file, ssl::context::pem, ec); ec)
    return failure{500, "http.tls.key_file: '" + key_file
                          + "' is not a usable PEM private key: " + ec.message()};
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    return failure{500, "http.tls.key_file: '" + key_file
                          + "' does not match the certificate in http.tls.cert_file"};
  return tls;
}

result<std::shared_ptr<tls_context>> tls_context::load(const config::tls_config& tls) {
  if (tls.cert_file.empty())
    return std::shared_ptr<tls_context>{};
  return load(tls.cert_file, tls.key_file);
}

} // namespace cohort::http
