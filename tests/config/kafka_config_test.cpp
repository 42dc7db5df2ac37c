// kafka.sources and kafka.sinks: what is read, and every bad value located.
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"
#include "helpers.hpp"

using namespace cohort::config;
using test::expect_error;
using test::load;

BOOST_AUTO_TEST_SUITE(kafka_config)

BOOST_AUTO_TEST_CASE(reads_sources_and_sinks) {
  const load_result r = load(
      "node: {id: n}\n"
      "kafka:\n"
      "  sources:\n"
      "    - {bootstrap: \"127.0.0.1:9092\", topics: [clicks, app.touches], group: cohort-in}\n"
      "    - bootstrap: \"k1:9092,k2:9092\"\n"
      "      topics: [raw]\n"
      "      group: g2\n"
      "      format: native\n"
      "      encoding: msgpack\n"
      "      properties: {fetch.min.bytes: \"1\"}\n"
      "  sinks:\n"
      "    - {bootstrap: \"127.0.0.1:9092\", topic: cohort-changes, events: [segment_change, profile_merged]}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  const auto& k = r.cfg.kafka;
  BOOST_TEST(k.line == 2);
  BOOST_REQUIRE(k.sources.size() == 2u);
  BOOST_TEST(k.sources[0].bootstrap == "127.0.0.1:9092");
  BOOST_TEST((k.sources[0].topics == std::vector<std::string>{"clicks", "app.touches"}));
  BOOST_TEST(k.sources[0].group == "cohort-in");
  BOOST_TEST(k.sources[0].format == "segment");
  BOOST_TEST(k.sources[0].encoding == "json");
  BOOST_TEST(k.sources[1].format == "native");
  BOOST_TEST(k.sources[1].encoding == "msgpack");
  BOOST_REQUIRE(k.sources[1].properties.size() == 1u);
  BOOST_TEST(k.sources[1].properties[0].first == "fetch.min.bytes");
  BOOST_REQUIRE(k.sinks.size() == 1u);
  BOOST_TEST(k.sinks[0].topic == "cohort-changes");
  BOOST_TEST((k.sinks[0].events == std::vector<std::string>{"segment_change", "profile_merged"}));
}

BOOST_AUTO_TEST_CASE(absent_means_none) {
  const load_result r = load("node: {id: n}\n");
  BOOST_TEST(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.kafka.empty());
  BOOST_TEST(r.cfg.kafka.line == 0);
}

BOOST_AUTO_TEST_CASE(bad_sources_are_located) {
  const load_result r = load(
      "kafka:\n"
      "  sources:\n"
      "    - {bootstrap: \"127.0.0.1\", topics: [clicks], group: g}\n"
      "    - {bootstrap: \"k:9092\", topics: [\"a b\"], group: g, format: csv}\n"
      "    - {bootstrap: \"k:9092\", topics: [], group: \"\"}\n"
      "    - {bootstrap: \"k:9092\", topics: [t], group: g, encoding: msgpack}\n"
      "    - {topics: [t], group: g, colour: red}\n");
  expect_error(r, "kafka.sources[0].bootstrap", 3, 19, "broker '127.0.0.1'");
  expect_error(r, "kafka.sources[1].topics[0]", 4, 38, "a topic name may hold");
  expect_error(r, "kafka.sources[1].format", 4, 64, "one of segment | native");
  expect_error(r, "kafka.sources[2].topics", 5, 29, "at least one topic");
  expect_error(r, "kafka.sources[2].group", 5, 48);
  expect_error(r, "kafka.sources[3].encoding", 6, 52, "msgpack goes with format: native");
  expect_error(r, "kafka.sources[4].bootstrap", 7, 7, "missing required key");
  expect_error(r, "kafka.sources[4].colour", 7, 31);
  BOOST_TEST(r.cfg.kafka.sources.empty());
}

BOOST_AUTO_TEST_CASE(bad_sinks_are_located) {
  const load_result r = load(
      "kafka:\n"
      "  sinks:\n"
      "    - {bootstrap: \"k:9092\", topic: out, events: [segment_change, visits]}\n"
      "    - {bootstrap: \"k:9092\", topic: \"x/y\", events: []}\n"
      "    - {bootstrap: \"k:9092\", events: [tags_change]}\n"
      "  spouts: []\n");
  expect_error(r, "kafka.sinks[0].events[1]", 3, 66, "one of segment_change | tags_change");
  expect_error(r, "kafka.sinks[1].topic", 4, 36, "a topic name may hold");
  expect_error(r, "kafka.sinks[1].events", 4, 43, "at least one change kind");
  expect_error(r, "kafka.sinks[2].topic", 5, 7, "missing required key");
  expect_error(r, "kafka.spouts", 6, 3);
  BOOST_TEST(r.cfg.kafka.sinks.empty());
}

BOOST_AUTO_TEST_SUITE_END()
