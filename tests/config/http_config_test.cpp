// The `http:` section: safe defaults, every key read, bad values and unreadable TLS
// files reported with key and line.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "config/loader.hpp"
#include "helpers.hpp"

using namespace cohort::config;
using test::expect_error;
using test::load;

BOOST_AUTO_TEST_SUITE(http_section)

BOOST_AUTO_TEST_CASE(defaults_are_safe) {
  const load_result r = load("");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.http.header_timeout.count() == 10000);
  BOOST_TEST(r.cfg.http.body_timeout.count() == 30000);
  BOOST_TEST(r.cfg.http.idle_timeout.count() == 60000);
  BOOST_TEST(r.cfg.http.max_connections == 1024u);
  BOOST_TEST(r.cfg.http.max_header_bytes == 16384u);
  BOOST_TEST(r.cfg.http.rate_limit.events_per_second == 0.0);
  BOOST_TEST(r.cfg.http.tls.cert_file.empty());
}

BOOST_AUTO_TEST_CASE(reads_every_key) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto cert = (dir / "cohort-http-test-cert.pem").string();
  std::ofstream(cert) << "x";
  const load_result r = load(
      "http:\n"
      "  header_timeout: 2s\n  body_timeout: 3s\n  idle_timeout: 4s\n"
      "  max_connections: 5\n  max_header_bytes: 6000\n"
      "  rate_limit: {events_per_second: 100, burst: 250}\n"
      "  tls: {cert_file: " + cert + ", key_file: " + cert + "}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.http.header_timeout.count() == 2000);
  BOOST_TEST(r.cfg.http.body_timeout.count() == 3000);
  BOOST_TEST(r.cfg.http.idle_timeout.count() == 4000);
  BOOST_TEST(r.cfg.http.max_connections == 5u);
  BOOST_TEST(r.cfg.http.max_header_bytes == 6000u);
  BOOST_TEST(r.cfg.http.rate_limit.events_per_second == 100.0);
  BOOST_TEST(r.cfg.http.rate_limit.burst == 250.0);
  BOOST_TEST(r.cfg.http.tls.cert_file == cert);
  std::filesystem::remove(cert);
}

BOOST_AUTO_TEST_CASE(bad_values_name_their_key) {
  const load_result r = load(
      "http:\n"
      "  header_timeout: 0s\n"
      "  max_connections: -1\n"
      "  rate_limit: {events_per_second: -5}\n"
      "  tls: {cert_file: /nonexistent/cert.pem}\n"
      "  speed: fast\n");
  expect_error(r, "http.header_timeout", 2);
  expect_error(r, "http.max_connections", 3);
  expect_error(r, "http.rate_limit.events_per_second", 4, 0, "negative");
  expect_error(r, "http.tls.cert_file", 5, 0, "cannot read");
  expect_error(r, "http.speed", 6);
}

BOOST_AUTO_TEST_CASE(a_certificate_needs_its_key) {
  const auto cert = (std::filesystem::temp_directory_path() / "cohort-http-test-only.pem").string();
  std::ofstream(cert) << "x";
  const load_result r = load("http:\n  tls: {cert_file: " + cert + "}\n");
  expect_error(r, "http.tls.key_file", 2, 0, "required");
  BOOST_TEST(r.errors.size() == 1u, test::dump(r));
  std::filesystem::remove(cert);
}

BOOST_AUTO_TEST_SUITE_END()
