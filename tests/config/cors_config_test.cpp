// `ingest.cors`: any origin by default, exact origins per write key, and every mistake
// located without quoting a write key.
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"
#include "helpers.hpp"

using namespace cohort::config;
using test::expect_error;
using test::load;

BOOST_AUTO_TEST_SUITE(cors_section)

BOOST_AUTO_TEST_CASE(any_origin_by_default_and_no_per_key_lists) {
  const load_result r = load("");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.ingest.cors.origins == std::vector<std::string>{"*"});
  BOOST_TEST(r.cfg.ingest.cors.keys.empty());
}

BOOST_AUTO_TEST_CASE(reads_origins_and_per_key_lists_in_lower_case) {
  const load_result r = load(
      "ingest:\n"
      "  cors:\n"
      "    origins: []\n"
      "    keys:\n"
      "      - {write_key: web-key, origins: [\"https://Shop.Example.com\", \"http://localhost:3000\"]}\n"
      "  write_keys: [web-key, server-key]\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.ingest.cors.origins.empty());
  BOOST_TEST_REQUIRE(r.cfg.ingest.cors.keys.size() == 1u);
  BOOST_TEST(r.cfg.ingest.cors.keys[0].write_key == "web-key");
  BOOST_TEST(r.cfg.ingest.cors.keys[0].origins
             == (std::vector<std::string>{"https://shop.example.com", "http://localhost:3000"}));
}

BOOST_AUTO_TEST_CASE(an_origin_with_a_path_or_without_scheme_is_refused) {
  expect_error(load("ingest:\n  cors: {origins: [\"https://shop.example.com/\"]}\n"),
               "ingest.cors.origins", 2, 10, "is not an origin");
  expect_error(load("ingest:\n  cors: {origins: [shop.example.com]}\n"),
               "ingest.cors.origins", 2, 10, "is not an origin");
  expect_error(load("ingest:\n  cors: {origins: [\"ftp://files.example.com\"]}\n"),
               "ingest.cors.origins", 2, 10, "is not an origin");
}

BOOST_AUTO_TEST_CASE(a_per_key_entry_needs_a_known_key_and_its_origins) {
  const load_result r = load(
      "ingest:\n"
      "  write_keys: [web-key]\n"
      "  cors:\n"
      "    keys:\n"
      "      - {write_key: wbe-key, origins: []}\n"
      "      - {write_key: web-key}\n");
  expect_error(r, "ingest.cors.keys[0].write_key", 5, 10, "is not one of ingest.write_keys");
  expect_error(r, "ingest.cors.keys[1].origins", 6, 9, "required");
  for (const auto& e : r.errors)
    BOOST_TEST(e.message.find("wbe-key") == std::string::npos, e.message);
}

BOOST_AUTO_TEST_CASE(with_auth_off_any_key_may_have_its_own_origins) {
  const load_result r = load("ingest:\n  cors: {keys: [{write_key: any, origins: [\"*\"]}]}\n");
  BOOST_TEST(r.ok(), test::dump(r));
}

BOOST_AUTO_TEST_SUITE_END()
