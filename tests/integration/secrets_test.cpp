// Secrets never shown (SPEC 6): write keys, the admin token and the TLS
// private key must not appear in cohortd's output, in any /admin/api/* answer, /metrics,
// the console or its API — whatever the requests (right and wrong credentials included).
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"
#include "tls_client.hpp"

using namespace cohort::it;
using std::chrono::seconds;

namespace {

const std::string write_key = "wk-Zq8SECRETkey41";
const std::string admin_token = "adm-Xv3SECRETtoken77";
// A webhook signing key (base64 of 30 bytes); its destination refuses connections.
const std::string webhook_key = "U0VDUkVUd2ViaG9va1NpZ25pbmdLZXkxMjM0NTY3OA==";

std::string secrets_config(const std::string& cert, const std::string& key) {
  return "admin: {token: " + admin_token + "}\n"
         "ingest: {write_keys: [" + write_key + "], dedup_window: 24h}\n"
         "http: {tls: {cert_file: " + quote(cert) + ", key_file: " + quote(key) + "}}\n"
         "segments: [{name: Everyone, when: 'true'}]\n"
         "webhooks: [{url: \"http://127.0.0.1:9/hook\", events: [segment_change], "
         "secret: whsec_" + webhook_key + "}]\n";
}

/// The secrets as they could leak: verbatim, and the private key's PEM body lines.
std::vector<std::string> secrets_of(const std::string& key_pem) {
  std::vector<std::string> out = {write_key, admin_token, webhook_key};
  std::istringstream in(key_pem);
  for (std::string line; std::getline(in, line);)
    if (line.size() >= 40 && line.find("-----") == std::string::npos)
      out.push_back(line);
  return out;
}

std::vector<std::string> leaks(const std::string& where, const std::string& text,
                               const std::vector<std::string>& secrets) {
  std::vector<std::string> found;
  for (const auto& s : secrets)
    if (text.find(s) != std::string::npos)
      found.push_back(where + " shows '" + s.substr(0, 12) + "...'");
  return found;
}

std::string flatten(const http_response& res) {
  std::string out = std::to_string(res.status) + "\n";
  for (const auto& [name, value] : res.headers)
    out += name + ": " + value + "\n";
  return out + res.body;
}

} // namespace

BOOST_AUTO_TEST_SUITE(secrets, *boost::unit_test::label("hardening"))

BOOST_AUTO_TEST_CASE(no_secret_in_output_admin_api_metrics_or_console) {
  temp_dir dir("cohort-secrets");
  const auto cert = dir.path() + "/cert.pem";
  const auto key = dir.path() + "/key.pem";
  auto made = run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"},
                          seconds(30));
  BOOST_TEST_REQUIRE(made.exit_code == 0, made.err);
  const auto secrets = secrets_of(read_file(key));
  BOOST_TEST_REQUIRE(secrets.size() > 10u, "the key file has no PEM body lines");

  cohortd_process server(secrets_config(cert, key));
  const auto port = server.port();
  const auto user = unique_id("secret-user");
  const header_list admin = {{"Authorization", "Bearer " + admin_token}};
  const header_list wrong_admin = {{"Authorization", "Bearer adm-wrong"}};
  auto call = [&](const std::string& method, const std::string& target, const std::string& body,
                  const header_list& headers) {
    http_request req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.headers = headers;
    req.headers.emplace_back("Content-Type", "application/json");
    return https_request(port, req);
  };

  // Traffic that touches every secret: ingest with the key, a wrong key, a key in the
  // body; admin calls with and without the token.
  std::vector<std::pair<std::string, http_response>> answers;
  const auto batch = batch_of({track_msg(user, "click", unique_id("m"))});
  answers.emplace_back("ingest", call("POST", "/v1/batch", batch,
                                      {{"Authorization", basic_auth(write_key)}}));
  BOOST_TEST(answers.back().second.status == 200, flatten(answers.back().second));
  answers.emplace_back("ingest, wrong key",
                       call("POST", "/v1/batch", batch, {{"Authorization", basic_auth("nope")}}));
  answers.emplace_back("ingest, key in body",
                       call("POST", "/v1/batch",
                            batch_of({track_msg(user, "click", unique_id("m"))},
                                     ",\"writeKey\":" + quote(write_key)),
                            {}));
  BOOST_TEST_REQUIRE(
      eventually([&] { return call("GET", "/v1/profiles/" + user, "", {}).status == 200; }));
  const char* admin_gets[] = {"/admin/api/nodes", "/admin/api/deadletters", "/admin/api/stats",
                              "/admin/api/rules", "/admin/api/actors", "/admin/api/segments",
                              "/admin/api/session", "/admin/api/webhooks", "/metrics", "/healthz", "/readyz",
                              "/console", "/v1/profiles/"};
  for (const char* target : admin_gets) {
    std::string t = target;
    if (t == "/v1/profiles/")
      t += user;
    answers.emplace_back(t, call("GET", t, "", admin));
    answers.emplace_back(t + " (wrong token)", call("GET", t, "", wrong_admin));
  }
  answers.emplace_back("/admin/api/actors/{userId}",
                       call("GET", "/admin/api/actors/" + user, "", admin));
  answers.emplace_back("reload", call("POST", "/admin/api/reload", "", admin));
  BOOST_TEST(answers.back().second.status == 200, flatten(answers.back().second));

  // A mistyped secret is reported without its value: by the reload and the rules view.
  write_file(server.config_path(), "admin: {token: " + admin_token + "}\n"
                                   "ingest: {write_keys: " + write_key + "}\n");
  answers.emplace_back("reload of a broken config", call("POST", "/admin/api/reload", "", admin));
  BOOST_TEST(answers.back().second.status >= 400, flatten(answers.back().second));
  answers.emplace_back("rules of a broken config", call("GET", "/admin/api/rules", "", admin));
  BOOST_TEST(answers.back().second.body.find("write_keys") != std::string::npos,
             "the rules view does not report the config error: " << answers.back().second.body);

  std::vector<std::string> found;
  for (const auto& [where, res] : answers) {
    auto more = leaks(where, flatten(res), secrets);
    found.insert(found.end(), more.begin(), more.end());
  }
  BOOST_TEST(server.stop() == 0);
  auto out = leaks("stdout", server.stdout_text(), secrets);
  auto err = leaks("stderr", server.stderr_text(), secrets);
  found.insert(found.end(), out.begin(), out.end());
  found.insert(found.end(), err.begin(), err.end());
  BOOST_TEST(found.empty(), found.size() << " leaks, first: " << (found.empty() ? "" : found[0]));
  BOOST_TEST_MESSAGE("secrets: " << answers.size() << " answers and the process output checked for "
                                 << secrets.size() << " secret strings");
}

BOOST_AUTO_TEST_SUITE_END()
