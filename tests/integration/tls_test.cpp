// TLS (http.tls): ingest over HTTPS, the profile read back over HTTPS, a change pushed
// over wss://; plain HTTP is not served on a TLS port; unusable certificate files stop
// the start with exit 2 and a message naming the config key.
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"
#include "tls_client.hpp"

using namespace cohort::it;
using std::chrono::seconds;

namespace {

/// A self-signed certificate for 127.0.0.1 made by the openssl CLI, in its own temp dir.
struct tls_files {
  temp_dir dir{"cohort-tls"};
  std::string cert = dir.path() + "/cert.pem";
  std::string key = dir.path() + "/key.pem";

  tls_files() {
    auto made = run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                             "-keyout", key, "-out", cert, "-days", "2", "-subj",
                             "/CN=127.0.0.1"},
                            seconds(30));
    BOOST_TEST_REQUIRE(made.exit_code == 0, "openssl req: " << made.err);
  }
};

std::string tls_config(const std::string& cert, const std::string& key) {
  return "ingest: {write_keys: [test-key], dedup_window: 24h}\n"
         "http: {tls: {cert_file: " + quote(cert) + ", key_file: " + quote(key) + "}}\n"
         "segments: [{name: Everyone, when: 'true'}]\n";
}

http_response https_post(std::uint16_t port, const std::string& target, std::string body) {
  http_request req;
  req.method = "POST";
  req.target = target;
  req.body = std::move(body);
  req.headers = {{"Content-Type", "application/json"}, {"Authorization", basic_auth("test-key")}};
  return https_request(port, req);
}

http_response https_get(std::uint16_t port, const std::string& target) {
  http_request req;
  req.target = target;
  return https_request(port, req);
}

} // namespace

BOOST_AUTO_TEST_SUITE(tls, *boost::unit_test::label("hardening"))

BOOST_AUTO_TEST_CASE(https_ingest_profile_and_wss_push) {
  tls_files files;
  cohortd_process server(tls_config(files.cert, files.key));
  const auto port = server.port();
  BOOST_TEST(server.stdout_text().find("listening on https://") != std::string::npos,
             server.stdout_text());

  const auto user = unique_id("tls-user");
  wss_client ws(port);
  ws.send(R"({"op":"subscribe","userId":)" + quote(user) + "}");
  auto ack = ws.next(default_deadline);
  BOOST_TEST_REQUIRE(ack.has_value(), "no subscribe ack over wss://");
  BOOST_TEST(ack->find("\"ack\"") != std::string::npos, *ack);

  auto res = https_post(port, "/v1/batch", batch_of({track_msg(user, "click", unique_id("m"))}));
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);

  auto push = ws.next(default_deadline);
  BOOST_TEST_REQUIRE(push.has_value(), "no segment_change pushed over wss://");
  BOOST_TEST(push->find("segment_change") != std::string::npos, *push);
  BOOST_TEST(push->find(user) != std::string::npos, *push);

  http_response profile;
  bool applied = eventually([&] {
    profile = https_get(port, "/v1/profiles/" + user);
    return profile.status == 200 && json_doc(profile.body).int_at("/events") == 1;
  });
  BOOST_TEST(applied, "profile over HTTPS: " << profile.status << " " << profile.body);

  // Plain HTTP on the TLS port gets no answer: the bytes are not a TLS handshake.
  http_client plain("127.0.0.1", port, seconds(5));
  BOOST_CHECK_THROW(plain.get("/healthz"), std::exception);
  BOOST_TEST(https_get(port, "/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(unusable_certificate_files_are_config_errors) {
  tls_files files;
  temp_dir dir("cohort-tls-bad");
  const auto missing = dir.path() + "/missing.pem";
  const auto garbage = dir.path() + "/garbage.pem";
  write_file(garbage, "not a certificate\n");

  struct bad_case {
    std::string cert, key, expected_key;
  };
  const bad_case cases[] = {
    {missing, files.key, "http.tls.cert_file"},
    {files.cert, missing, "http.tls.key_file"},
    {garbage, files.key, "http.tls.cert_file"},
    {files.cert, garbage, "http.tls.key_file"},
    {files.cert, "", "http.tls.key_file"},
  };
  for (const auto& c : cases) {
    const auto config = dir.path() + "/cohort.yaml";
    write_file(config, tls_config(c.cert, c.key));
    auto run = run_cohortd({"--config", config, "--data", dir.path() + "/data"});
    BOOST_TEST(run.exit_code == 2, c.cert << " / " << c.key << ": exit " << run.exit_code
                                          << "\n" << run.err);
    BOOST_TEST(run.err.find(c.expected_key) != std::string::npos,
               "expected " << c.expected_key << " in: " << run.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
