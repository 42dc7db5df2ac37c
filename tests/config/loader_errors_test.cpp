// Every class of config mistake is reported with its dotted key, line and column.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "config/loader.hpp"
#include "helpers.hpp"

using namespace cohort::config;
using test::expect_error;
using test::load;

BOOST_AUTO_TEST_SUITE(loader_basics)

BOOST_AUTO_TEST_CASE(empty_text_gives_defaults) {
  const load_result r = load("");
  BOOST_TEST(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.node.listen == "127.0.0.1:8080");
  BOOST_TEST(r.cfg.ingest.max_message_bytes == 32768u);
  BOOST_TEST(r.cfg.ingest.request_timeout.count() == 30000);
  BOOST_TEST(r.cfg.sessions.recent_events == 16u);
  BOOST_TEST(r.cfg.events.mappings.empty());  // caller falls back to the built-in shapes
  BOOST_TEST(load("# only a comment\n").ok());
}

BOOST_AUTO_TEST_CASE(empty_sections_keep_defaults) {
  const load_result r = load("admin:\ntags:\nsessions:\n");
  BOOST_TEST(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.sessions.gap.count() == 30 * 60 * 1000);
}

BOOST_AUTO_TEST_CASE(reads_the_added_keys) {
  const load_result r = load(
      "ingest: {max_message_bytes: 1000, request_timeout: 500ms}\n"
      "sessions: {recent_events: 7, allowed_lateness: 0s}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST(r.cfg.ingest.max_message_bytes == 1000u);
  BOOST_TEST(r.cfg.ingest.request_timeout.count() == 500);
  BOOST_TEST(r.cfg.sessions.recent_events == 7u);
  BOOST_TEST(r.cfg.sessions.allowed_lateness.count() == 0);
}

BOOST_AUTO_TEST_CASE(top_level_must_be_a_mapping) {
  expect_error(load("- node\n- cluster\n"), "", 1, 1, "expected a mapping of sections");
}

BOOST_AUTO_TEST_CASE(syntax_error_has_position) {
  const load_result r = load("node:\n  id: [a, b\n  listen: x\n");
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0].key.empty());
  BOOST_TEST(r.errors[0].line > 0);
  BOOST_TEST(r.errors[0].message.find("YAML syntax error") == 0u);
  const load_result bad_map = load("a: b: c\n");
  BOOST_TEST_REQUIRE(bad_map.errors.size() == 1u);
  BOOST_TEST(bad_map.errors[0].line == 1);
  BOOST_TEST(bad_map.errors[0].column == 5);
}

BOOST_AUTO_TEST_CASE(one_document_only) {
  expect_error(load("node: {id: a}\n---\nnode: {id: b}\n"), "", 2, 1, "one YAML document");
  BOOST_TEST(load("node: {id: a}\n---\n").ok());  // an empty trailing document is harmless
}

// yaml-cpp 0.7's LoadAll loops forever on these (jbeder/yaml-cpp#1040).
BOOST_AUTO_TEST_CASE(stray_comma_is_a_syntax_error) {
  for (const char* text : {",", " ,", ",a: b", ",s: [[[]]]!"}) {
    const load_result r = load(text);
    BOOST_TEST_REQUIRE(r.errors.size() == 1u, "for '" << text << "'");
    BOOST_TEST(r.errors[0].message == "YAML syntax error: unexpected ','");
    BOOST_TEST(r.errors[0].line == 1);
  }
}

BOOST_AUTO_TEST_CASE(unreadable_files) {
  const load_result missing = load_file("/nonexistent/cohort.yaml");
  BOOST_TEST_REQUIRE(missing.errors.size() == 1u);
  BOOST_TEST(missing.errors[0].line == 0);
  BOOST_TEST(missing.errors[0].message.find("No such file") != std::string::npos);
  BOOST_TEST(missing.errors[0].to_string("/nonexistent/cohort.yaml") ==
             "/nonexistent/cohort.yaml: " + missing.errors[0].message);
  const load_result directory = load_file(std::filesystem::temp_directory_path().string());
  BOOST_TEST_REQUIRE(directory.errors.size() == 1u);
  BOOST_TEST(directory.errors[0].message.find("directory") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(to_string_format) {
  const config_error e{"ingest.max_body_bytes", 12, 3, "expected a positive integer, got \"big\""};
  BOOST_TEST(e.to_string("cohort.yaml") ==
             "cohort.yaml:12:3: ingest.max_body_bytes: expected a positive integer, got \"big\"");
  const config_error whole{"", 4, 2, "YAML syntax error: x"};
  BOOST_TEST(whole.to_string("c.yaml") == "c.yaml:4:2: YAML syntax error: x");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(loader_errors)

BOOST_AUTO_TEST_CASE(unknown_keys) {
  const load_result r = load(
      "node:\n"
      "  id: n1\n"
      "  listn: 127.0.0.1:80\n"
      "nodes: {}\n");
  expect_error(r, "node.listn", 3, 3, "unknown key 'listn' (expected one of: id, listen, data_dir)");
  expect_error(r, "nodes", 4, 1, "unknown key 'nodes'");
  BOOST_TEST(r.errors.size() == 2u);
}

BOOST_AUTO_TEST_CASE(duplicate_keys) {
  const load_result r = load("node:\n  id: a\n  id: b\n");
  expect_error(r, "node.id", 3, 3, "duplicate key 'id' (first at line 2)");
}

BOOST_AUTO_TEST_CASE(wrong_types) {
  const load_result r = load(
      "ingest:\n"
      "  max_body_bytes: big\n"
      "  write_keys: demo-key\n"
      "  dedup_window: [1]\n"
      "admin: [token]\n"
      "node: {id: {a: 1}}\n");
  expect_error(r, "ingest.max_body_bytes", 2, 19, "expected a positive integer, got \"big\"");
  // A secret's value is never quoted (config errors reach stderr and the admin API).
  expect_error(r, "ingest.write_keys", 3, 15, "expected a list, got a value that is not shown");
  BOOST_TEST(test::dump(r).find("demo-key") == std::string::npos, test::dump(r));
  expect_error(r, "ingest.dedup_window", 4, 3, "got a list");
  expect_error(r, "admin", 5, 1, "expected a mapping, got a list");  // collections: at the key
  expect_error(r, "node.id", 6, 8, "expected a string, got a mapping");
}

BOOST_AUTO_TEST_CASE(sizes_must_be_positive) {
  const load_result r = load(
      "ingest:\n"
      "  max_body_bytes: 0\n"
      "  max_message_bytes: -5\n"
      "sessions:\n"
      "  recent_events: 1.5\n"
      "  gap:\n");
  expect_error(r, "ingest.max_body_bytes", 2, 19, "must be greater than 0");
  expect_error(r, "ingest.max_message_bytes", 3, 22, "expected a positive integer");
  expect_error(r, "sessions.recent_events", 5, 18, "expected a positive integer");
  expect_error(r, "sessions.gap", 6, 3, "got nothing");  // points at the key
  expect_error(load("ingest: {max_body_bytes: 99999999999999999999999}\n"),
               "ingest.max_body_bytes", 1, 26, "too large");
}

BOOST_AUTO_TEST_CASE(durations) {
  const load_result r = load(
      "sessions:\n"
      "  gap: 30\n"
      "  allowed_lateness: 0s\n"
      "  passivate_after: 0m\n"
      "ingest:\n"
      "  dedup_window: 1.5h\n"
      "  request_timeout: 10sec\n");
  expect_error(r, "sessions.gap", 2, 8, "expected a duration such as 500ms, 10s, 30m, 24h or 7d");
  expect_error(r, "sessions.passivate_after", 4, 20, "must be greater than 0");
  expect_error(r, "ingest.dedup_window", 6, 17, "got \"1.5h\"");
  expect_error(r, "ingest.request_timeout", 7, 20, "got \"10sec\"");
  BOOST_TEST(r.errors.size() == 4u, test::dump(r));  // 0s lateness is fine
  BOOST_TEST(r.cfg.sessions.gap.count() == 30 * 60 * 1000);  // bad value keeps the default
}

BOOST_AUTO_TEST_CASE(addresses) {
  const load_result r = load(
      "node: {listen: localhost}\n"
      "cluster:\n"
      "  listen: \"[::1]:7400\"\n"
      "  advertise: ::1:7401\n"
      "  kafka: {bootstrap: \"10.0.0.1:9092,host:0\"}\n");
  expect_error(r, "node.listen", 1, 16, "missing port");
  expect_error(r, "cluster.advertise", 4, 14, "bracketed");
  expect_error(r, "cluster.kafka.bootstrap", 5, 22, "broker 'host:0'");
  BOOST_TEST(r.errors.size() == 3u, test::dump(r));
  BOOST_TEST(r.cfg.cluster.listen == "[::1]:7400");
}

BOOST_AUTO_TEST_CASE(a_single_node_has_no_bootstrap) {
  const load_result r = load("cluster: {listen: \"\", kafka: {bootstrap: \"\"}}\n");
  BOOST_TEST(r.ok(), test::dump(r));
  BOOST_TEST(!r.cfg.cluster.enabled());
  BOOST_TEST(r.cfg.cluster.kafka.partitions == 64);
  BOOST_TEST(r.cfg.cluster.kafka.replication_factor == 3);
  BOOST_TEST(r.cfg.cluster.kafka.topic_prefix == "cohort");
}

BOOST_AUTO_TEST_CASE(reads_the_cluster_kafka_section) {
  const load_result r = load(
      "cluster:\n"
      "  listen: 127.0.0.1:7400\n"
      "  kafka:\n"
      "    bootstrap: \"127.0.0.1:9092,127.0.0.1:9093\"\n"
      "    topic_prefix: shop-1.prod\n"
      "    partitions: 12\n"
      "    replication_factor: 2\n"
      "    session_timeout: 6s\n"
      "    create_topics: false\n"
      "    properties: {security.protocol: SSL}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  const auto& k = r.cfg.cluster.kafka;
  BOOST_TEST(r.cfg.cluster.enabled());
  BOOST_TEST(k.bootstrap == "127.0.0.1:9092,127.0.0.1:9093");
  BOOST_TEST(k.topic_prefix == "shop-1.prod");
  BOOST_TEST(k.partitions == 12);
  BOOST_TEST(k.replication_factor == 2);
  BOOST_TEST(k.session_timeout.count() == 6000);
  BOOST_TEST(!k.create_topics);
  BOOST_REQUIRE(k.properties.size() == 1u);
  BOOST_TEST(k.properties[0].first == "security.protocol");
}

BOOST_AUTO_TEST_CASE(bad_cluster_kafka_values_are_located) {
  const load_result r = load(
      "cluster:\n"
      "  kafka:\n"
      "    partitions: 0\n"
      "    replication_factor: two\n"
      "    topic_prefix: \"a/b\"\n"
      "    create_topics: yes\n"
      "  seeds: [127.0.0.1:7401]\n");
  expect_error(r, "cluster.kafka.partitions", 3, 17, "must be between 1 and 10000");
  expect_error(r, "cluster.kafka.replication_factor", 4, 25, "expected an integer");
  expect_error(r, "cluster.kafka.topic_prefix", 5, 19, "letters, digits");
  expect_error(r, "cluster.kafka.create_topics", 6, 20, "expected true or false");
  expect_error(r, "cluster.seeds", 7, 3, "unknown key");
}

BOOST_AUTO_TEST_CASE(score) {
  const load_result r = load(
      "score:\n"
      "  model: linear\n"
      "  weights: {a: x, b: -0.5, c: 0}\n"
      "  caps: {a: 0, b: -1, c: 2}\n");
  expect_error(r, "score.model", 2, 10, "expected one of weighted | tree | learned, got \"linear\"");
  expect_error(r, "score.weights.a", 3, 16, "expected a number, got \"x\"");
  expect_error(r, "score.weights.b", 3, 22, "must not be negative");
  expect_error(r, "score.caps.a", 4, 13, "a cap must be greater than 0");
  expect_error(r, "score.caps.b", 4, 19, "a cap must be greater than 0");
  BOOST_TEST(r.errors.size() == 5u, test::dump(r));
}

BOOST_AUTO_TEST_CASE(tree_model_required_for_tree) {
  expect_error(load("score:\n  model: tree\n"), "score.tree_model", 1, 1,
               "required when model is tree");
  expect_error(load("score:\n  model: tree\n  tree_model: \"\"\n"), "score.tree_model", 3, 3,
               "required when model is tree");
  // The file it names is read at load time: tests/config/tree_model_test.cpp.
}

BOOST_AUTO_TEST_CASE(score_learning) {
  const load_result ok = load(
      "score:\n"
      "  model: learned\n"
      "  weights: {cart_adds: 1}\n"
      "  learning: {rate: 0.2, l2: 0, holdout_share: 0.1, promote_every: 100}\n");
  BOOST_TEST_REQUIRE(ok.ok(), test::dump(ok));
  BOOST_TEST(ok.cfg.score.model == "learned");
  BOOST_TEST(ok.cfg.score.learning.rate == 0.2);
  BOOST_TEST(ok.cfg.score.learning.l2 == 0.0);
  BOOST_TEST(ok.cfg.score.learning.holdout_share == 0.1);
  BOOST_TEST(ok.cfg.score.learning.promote_every == 100u);
  const load_result r = load(
      "score:\n"
      "  model: learned\n"
      "  learning:\n"
      "    rate: 0\n"
      "    l2: -1\n"
      "    holdout_share: 1\n"
      "    promote_every: 0\n"
      "    momentum: 0.9\n");
  expect_error(r, "score.learning.rate", 4, 11, "expected a rate in (0, 1], got \"0\"");
  expect_error(r, "score.learning.l2", 5, 9, "expected a penalty in [0, 1], got \"-1\"");
  expect_error(r, "score.learning.holdout_share", 6, 20, "1 leaves no decision to train on");
  expect_error(r, "score.learning.promote_every", 7, 20, "must be greater than 0");
  expect_error(r, "score.learning.momentum", 8, 5, "unknown key 'momentum'");
  BOOST_TEST(r.errors.size() == 5u, test::dump(r));
}

BOOST_AUTO_TEST_CASE(rules_need_name_and_when) {
  const load_result r = load(
      "tags:\n"
      "  - name: A\n"
      "  - when: 'x > 1'\n"
      "  - {name: \"\", when: ''}\n"
      "  - just a string\n"
      "segments:\n"
      "  - {name: S, when: 'true', then: x}\n");
  expect_error(r, "tags[0].when", 2, 5, "missing required key 'when'");
  expect_error(r, "tags[1].name", 3, 5, "missing required key 'name'");
  expect_error(r, "tags[2].name", 4, 12, "must not be empty");
  expect_error(r, "tags[2].when", 4, 22, "must not be empty");
  expect_error(r, "tags[3]", 5, 5, "expected a tag {name, when}");
  expect_error(r, "segments[0].then", 7, 29, "unknown key 'then' (expected one of: name, when)");
  BOOST_TEST(r.errors.size() == 6u, test::dump(r));
  BOOST_TEST(r.cfg.tags.empty());
}

BOOST_AUTO_TEST_CASE(duplicate_rule_names) {
  const load_result r = load(
      "tags:\n"
      "  - {name: A, when: 'true'}\n"
      "  - {name: A, when: 'false'}\n"
      "segments:\n"
      "  - {name: A, when: 'true'}\n"
      "  - name: B\n"
      "    when: 'true'\n"
      "  - name: B\n"
      "    when: 'false'\n"
      "  - {name: default, when: 'true'}\n");
  expect_error(r, "tags[1].name", 3, 12, "duplicate tag name 'A' (first at line 2)");
  expect_error(r, "segments[2].name", 8, 11, "duplicate segment name 'B' (first at line 6)");
  expect_error(r, "segments[3].name", 10, 12, "cannot name a segment");
  BOOST_TEST(r.errors.size() == 3u, test::dump(r));  // a tag and a segment may share a name
}

BOOST_AUTO_TEST_CASE(rule_when_positions) {
  const load_result r = load(
      "segments:\n"
      "  - {name: A, when: 'score > 1'}\n"
      "  - name: B\n"
      "    when: page_depth >= 3\n"
      "  - name: C\n"
      "    when: \"x == 'y'\"\n"
      "  - name: D\n"
      "    when: >-\n"
      "      bounce_rate > 0.6\n"
      "      && score < 10\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  const auto& s = r.cfg.segments;
  BOOST_TEST_REQUIRE(s.size() == 4u);
  BOOST_TEST(s[0].when == "score > 1");
  BOOST_TEST(s[0].line == 2);
  BOOST_TEST(s[0].column == 22);  // past the quote
  BOOST_TEST(s[1].line == 4);
  BOOST_TEST(s[1].column == 11);
  BOOST_TEST(s[2].when == "x == 'y'");
  BOOST_TEST(s[2].column == 12);
  BOOST_TEST(s[3].when == "bounce_rate > 0.6 && score < 10");
  BOOST_TEST(s[3].line == 9);  // first content line of the block scalar
  BOOST_TEST(s[3].column == 7);
}

BOOST_AUTO_TEST_CASE(webhooks_are_read) {
  const load_result r = load(
      "node: {id: n}\n"
      "webhooks:\n"
      "  - url: \"http://127.0.0.1:9000/hook\"\n"
      "    events: [segment_change, profile_merged]\n"
      "    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
      "    timeout: 2s\n"
      "    max_in_flight: 3\n"
      "    max_queued: 50\n"
      "    max_attempts: 0\n"
      "    backoff_initial: 100ms\n"
      "    backoff_max: 10s\n"
      "    breaker_failures: 4\n"
      "    breaker_open_for: 5s\n"
      "  - {url: \"http://h:1\", events: [tags_change], secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}\n");
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_TEST_REQUIRE(r.cfg.webhooks.size() == 2u);
  const auto& w = r.cfg.webhooks[0];
  BOOST_TEST(w.url == "http://127.0.0.1:9000/hook");
  BOOST_TEST(w.events.size() == 2u);
  BOOST_TEST(w.timeout.count() == 2000);
  BOOST_TEST(w.max_in_flight == 3u);
  BOOST_TEST(w.max_queued == 50u);
  BOOST_TEST(w.max_attempts == 0u);
  BOOST_TEST(w.backoff_initial.count() == 100);
  BOOST_TEST(w.backoff_max.count() == 10000);
  BOOST_TEST(w.breaker_failures == 4u);
  BOOST_TEST(w.breaker_open_for.count() == 5000);
  BOOST_TEST(w.line == 3);
  BOOST_TEST(r.cfg.webhooks[1].max_queued == 100000u);  // defaults
  BOOST_TEST(load("webhooks: []\n").ok());
}

// Every mistake in a destination is reported at its key and line; a secret is never
// quoted back.
BOOST_AUTO_TEST_CASE(webhook_errors_are_located) {
  const std::string ok_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  auto one = [&](const std::string& fields) {
    return load("webhooks:\n  - {" + fields + "}\n");
  };
  expect_error(one("url: \"ftp://h:1\", events: [segment_change], secret: " + ok_secret),
               "webhooks[0].url", 2, 11, "http[s]://host[:port]/path");
  expect_error(one("url: \"https://h:99999/x\", events: [segment_change], secret: " + ok_secret),
               "webhooks[0].url", 2, 11, "http[s]://host[:port]/path");
  expect_error(one("url: \"http:///x\", events: [segment_change], secret: " + ok_secret),
               "webhooks[0].url", 2, 11, "http[s]://host[:port]/path");
  expect_error(one("url: \"https://h/x\", events: [segment_change], ca_file: /nonexistent.pem,"
                   " secret: " + ok_secret),
               "webhooks[0].ca_file", 2, 61, "cannot read '/nonexistent.pem'");
  expect_error(one("url: \"http://h:1\", events: [segment_chnge], secret: " + ok_secret),
               "webhooks[0].events", 2, 25, "unknown event 'segment_chnge'");
  expect_error(one("url: \"http://h:1\", events: [], secret: " + ok_secret),
               "webhooks[0].events", 2, 25, "at least one");
  const load_result bad_secret =
      one("url: \"http://h:1\", events: [tags_change], secret: hunter2hunter2");
  expect_error(bad_secret, "webhooks[0].secret", 2, 56, "starting with whsec_");
  BOOST_TEST(test::dump(bad_secret).find("hunter2") == std::string::npos);
  const load_result short_secret =
      one("url: \"http://h:1\", events: [tags_change], secret: whsec_c2hvcnQ=");
  expect_error(short_secret, "webhooks[0].secret", 2, 56, "24 to 64 bytes");
  BOOST_TEST(test::dump(short_secret).find("c2hvcnQ") == std::string::npos);
  expect_error(one("url: \"http://h:1\", events: [tags_change]"), "webhooks[0].secret", 2, 5,
               "missing required key 'secret'");
  expect_error(one("url: \"http://h:1\", events: [tags_change], secret: " + ok_secret +
                   ", max_in_flight: 0"),
               "webhooks[0].max_in_flight", 2, 111, "between 1 and 1024");
  expect_error(one("url: \"http://h:1\", events: [tags_change], secret: " + ok_secret +
                   ", retries: 3"),
               "webhooks[0].retries", 2, 96, "unknown key 'retries'");
  expect_error(load("webhooks: {url: \"http://h:1\"}\n"), "webhooks", 1, 1, "expected a list");
  const load_result twice = load(
      "webhooks:\n"
      "  - {url: \"http://h:1\", events: [tags_change], secret: " + ok_secret + "}\n"
      "  - {url: \"http://h:1\", events: [tags_change], secret: " + ok_secret + "}\n");
  expect_error(twice, "webhooks[1].url", 3, 6, "listed twice");
}

BOOST_AUTO_TEST_CASE(deadletters_retention) {
  const load_result defaults = load("");
  BOOST_TEST(defaults.cfg.deadletters.max_age.count() == 7LL * 24 * 3600 * 1000);
  BOOST_TEST(defaults.cfg.deadletters.max_bytes == std::size_t{256} << 20);
  BOOST_TEST(defaults.cfg.deadletters.prune_interval.count() == 60000);
  const load_result ok = load("deadletters: {max_age: 2h, max_bytes: 64KiB, prune_interval: 5s}\n");
  BOOST_TEST_REQUIRE(ok.ok(), test::dump(ok));
  BOOST_TEST(ok.cfg.deadletters.max_age.count() == 2 * 3600 * 1000);
  BOOST_TEST(ok.cfg.deadletters.max_bytes == 65536u);
  BOOST_TEST(ok.cfg.deadletters.prune_interval.count() == 5000);
  BOOST_TEST(load("deadletters: {max_bytes: 1GiB}\n").cfg.deadletters.max_bytes == std::size_t{1} << 30);
  BOOST_TEST(load("deadletters: {max_bytes: 1000}\n").cfg.deadletters.max_bytes == 1000u);
  const load_result bad = load(
      "deadletters:\n"
      "  max_age: 0s\n"
      "  max_bytes: 12MB\n"
      "  prune_interval: soon\n");
  expect_error(bad, "deadletters.max_age", 2, 12);
  expect_error(bad, "deadletters.max_bytes", 3, 14, "expected a positive size in bytes");
  expect_error(bad, "deadletters.prune_interval", 4, 19);
  expect_error(load("deadletters: {max_bytes: 0}\n"), "deadletters.max_bytes", 1, 26);
}

BOOST_AUTO_TEST_CASE(aliases) {
  const load_result r = load(
      "events:\n"
      "  aliases:\n"
      "    \"Product Viewed\": product_view\n"
      "    tap: [click]\n"
      "    swipe: \"\"\n");
  expect_error(r, "events.aliases.tap", 4, 5, "expected a string");
  expect_error(r, "events.aliases.swipe", 5, 12, "must not be empty");
  BOOST_TEST(r.cfg.events.aliases.at("Product Viewed") == "product_view");
}

BOOST_AUTO_TEST_CASE(mappings) {
  const load_result r = load(
      "events:\n"
      "  mappings:\n"
      "    - name: kiosk\n"
      "      when: [kiosk_id, \"source=kiosk\"]\n"
      "      user_id: \"\"\n"
      "      anonymous_id: kiosk_id\n"
      "      type_value: page_view\n"
      "      timestamp: ts\n"
      "      timestamp_unit: s\n"
      "      properties: {screen: data.screen, zone: data.zone}\n"
      "    - name: kiosk\n"
      "      type: t\n"
      "      timestamp_unit: us\n"
      "    - {when: [a], type: t, colour: red}\n"
      "    - {name: nobody, type: t, user_id: \"\", properties: {p: [x]}}\n"
      "    - {name: untyped, when: [b]}\n");
  expect_error(r, "events.mappings[1].name", 11, 13, "duplicate mapping name 'kiosk' (first at line 3)");
  expect_error(r, "events.mappings[1].timestamp_unit", 13, 23, "expected one of ms | s | iso8601");
  expect_error(r, "events.mappings[2].colour", 14, 28, "unknown key 'colour'");
  expect_error(r, "events.mappings[2].name", 14, 7, "missing required key 'name'");
  expect_error(r, "events.mappings[3].user_id", 15, 31, "needs `user_id` or `anonymous_id`");
  expect_error(r, "events.mappings[3].properties.p", 15, 57, "expected a string");
  expect_error(r, "events.mappings[4].type", 16, 7, "needs `type`");
  BOOST_TEST(r.errors.size() == 7u, test::dump(r));
  BOOST_TEST_REQUIRE(r.cfg.events.mappings.size() == 1u);
  const auto& kiosk = r.cfg.events.mappings[0];
  BOOST_TEST(kiosk.name == "kiosk");
  BOOST_TEST((kiosk.when == std::vector<std::string>{"kiosk_id", "source=kiosk"}));
  BOOST_TEST(kiosk.user_id.empty());
  BOOST_TEST(kiosk.anonymous_id == "kiosk_id");
  BOOST_TEST(kiosk.type_value == "page_view");
  BOOST_TEST(kiosk.timestamp == "ts");
  BOOST_TEST((kiosk.unit == cohort::codecs::time_unit::s));
  BOOST_TEST(kiosk.properties.size() == 2u);
  BOOST_TEST(kiosk.properties[0].first == "screen");
  BOOST_TEST(kiosk.properties[0].second == "data.screen");
}

BOOST_AUTO_TEST_CASE(empty_mappings_list_is_an_error) {
  expect_error(load("events:\n  mappings: []\n"), "events.mappings", 2, 3,
               "remove the key to use the built-in shapes");
}

BOOST_AUTO_TEST_CASE(several_errors_at_once_in_file_order) {
  const load_result r = load(
      "http: {max_connections: none}\n"
      "node:\n"
      "  listen: 127.0.0.1\n"
      "ingest:\n"
      "  dedup_window: forever\n"
      "  max_body_bytes: 0\n"
      "score: {model: forest}\n"
      "bogus: 1\n");
  BOOST_TEST_REQUIRE(r.errors.size() == 6u, test::dump(r));
  BOOST_TEST(r.errors[0].key == "http.max_connections");
  BOOST_TEST(r.errors[1].key == "node.listen");
  BOOST_TEST(r.errors[2].key == "ingest.dedup_window");
  BOOST_TEST(r.errors[3].key == "ingest.max_body_bytes");
  BOOST_TEST(r.errors[4].key == "score.model");
  BOOST_TEST(r.errors[5].key == "bogus");
  for (std::size_t i = 1; i < r.errors.size(); ++i) {
    BOOST_TEST(r.errors[i - 1].line <= r.errors[i].line);
  }
  BOOST_TEST(r.errors[1].to_string("cohort.yaml").rfind("cohort.yaml:3:11: node.listen: ", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
