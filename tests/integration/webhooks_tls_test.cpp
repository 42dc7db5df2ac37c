// Webhooks to https destinations: the sender verifies the receiver's certificate against
// ca_file (or the system's trust store) and the URL's host name; a receiver it cannot
// verify gets nothing, and the destination's lastError says why.
#include <atomic>

#include <boost/test/unit_test.hpp>

#include "json_doc.hpp"
#include "messages.hpp"
#include "subprocess.hpp"
#include "test_support.hpp"
#include "webhook_receiver.hpp"

using namespace cohort::it;
using std::chrono::seconds;

namespace {

const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A self-signed certificate whose subjectAltName is `san` (e.g. "IP:127.0.0.1").
struct certificate {
  temp_dir dir{"cohort-hook-tls"};
  tls_identity files{dir.path() + "/cert.pem", dir.path() + "/key.pem"};

  explicit certificate(const std::string& san) {
    auto made = run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                             "-keyout", files.key_file, "-out", files.cert_file, "-days", "2",
                             "-subj", "/CN=cohort-test-receiver", "-addext",
                             "subjectAltName=" + san},
                            seconds(30));
    BOOST_TEST_REQUIRE(made.exit_code == 0, "openssl req: " << made.err);
  }
};

std::string hook_config(const std::string& url, const std::string& ca_file) {
  return "ingest: {write_keys: [test-key], dedup_window: 24h}\n"
         "segments: [{name: Everyone, when: 'true'}]\n"
         "webhooks: [{url: " + quote(url) + ", events: [segment_change], secret: " + secret
         + ", backoff_initial: 20ms, backoff_max: 200ms"
         + (ca_file.empty() ? std::string{} : ", ca_file: " + quote(ca_file)) + "}]\n";
}

void post_users(server_fixture& f, int users) {
  std::vector<std::string> m;
  for (int u = 0; u < users; ++u)
    m.push_back(track_msg("tls-" + std::to_string(u), "click", "tls-e" + std::to_string(u)));
  auto res = post_json(f.client, "/v1/batch", batch_of(m));
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
}

/// The destination's lastError, once it has one.
std::string last_error_eventually(server_fixture& f) {
  std::string error;
  eventually([&] {
    json_doc doc(f.client.get("/admin/api/webhooks").body);
    error = doc.string_at("/webhooks/0/lastError").value_or("");
    return !error.empty();
  }, seconds(20));
  return error;
}

} // namespace

BOOST_AUTO_TEST_SUITE(webhooks_tls)

BOOST_AUTO_TEST_CASE(changes_reach_an_https_receiver_trusted_through_ca_file) {
  certificate cert{"IP:127.0.0.1"};
  webhook_receiver receiver{secret, {}, cert.files};
  server_fixture f(hook_config(receiver.url(), cert.files.cert_file));
  post_users(f, 5);
  BOOST_TEST_REQUIRE(eventually([&] { return receiver.requests().size() >= 5; }, seconds(30)),
                     receiver.requests().size() << " of 5 changes arrived over https");
  BOOST_TEST(receiver.rejected().empty());
  BOOST_TEST(receiver.failed_handshakes() == 0u);
}

BOOST_AUTO_TEST_CASE(an_https_receiver_with_an_untrusted_certificate_gets_nothing) {
  certificate cert{"IP:127.0.0.1"};
  webhook_receiver receiver{secret, {}, cert.files};
  server_fixture f(hook_config(receiver.url(), ""));  // the system's trust store only
  post_users(f, 1);
  auto error = last_error_eventually(f);
  BOOST_TEST(error.find("certificate verify failed") != std::string::npos, error);
  BOOST_TEST(receiver.requests().empty());
}

BOOST_AUTO_TEST_CASE(an_https_receiver_named_otherwise_gets_nothing) {
  certificate cert{"DNS:receiver.example"};  // trusted, but not for 127.0.0.1
  webhook_receiver receiver{secret, {}, cert.files};
  server_fixture f(hook_config(receiver.url(), cert.files.cert_file));
  post_users(f, 1);
  auto error = last_error_eventually(f);
  BOOST_TEST(error.find("tls handshake") != std::string::npos, error);
  BOOST_TEST(receiver.requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()
