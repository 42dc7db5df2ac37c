#include <boost/test/unit_test.hpp>

#include "kafka/kafka_admin.hpp"
#include "kafka_fixture.hpp"

using namespace cohort;
using namespace cohort::cluster;
using namespace cohort::cluster::test;

BOOST_FIXTURE_TEST_SUITE(kafka_admin_spec, mock_fixture)

BOOST_AUTO_TEST_CASE(ensure_topics_on_the_mock_fails_clearly_because_it_has_no_create_topics) {
  options.topic_prefix = "admin-missing";
  auto started = clock::now();
  auto ensured = kafka::ensure_topics(options, 5s);
  BOOST_TEST_REQUIRE(!ensured);
  BOOST_TEST((clock::now() - started < 2s));  // at once, not at the timeout
  BOOST_TEST(ensured.error().status == 503);
  BOOST_TEST_MESSAGE("ensure_topics on the mock: " << ensured.error().reason);
  BOOST_TEST(ensured.error().reason.find("kafka topics admin-missing.events, admin-missing.state, "
                                         "admin-missing.identity, admin-missing.changes, "
                                         "admin-missing.members, admin-missing.feedback are "
                                         "missing and the cluster cannot create them")
               == 0u,
             ensured.error().reason);
  BOOST_TEST(ensured.error().reason.find("CreateTopics") != std::string::npos);
  auto exist = kafka::topics_exist(options, 5s);
  BOOST_TEST_REQUIRE(bool(exist));
  BOOST_TEST(!*exist);
}

BOOST_AUTO_TEST_CASE(ensure_topics_accepts_topics_that_exist_with_the_right_partition_counts) {
  options.topic_prefix = "admin-present";
  BOOST_TEST_REQUIRE(succeeded(mock->create_cluster_topics(options)));
  BOOST_TEST(succeeded(kafka::ensure_topics(options, 5s)));
  BOOST_TEST(succeeded(kafka::topics_exist(options, 5s)));
  auto counts = kafka::topic_partitions(options, 5s);
  BOOST_TEST_REQUIRE(bool(counts));
  BOOST_TEST((*counts)["admin-present.events"] == 4);
  BOOST_TEST((*counts)["admin-present.identity"] == 1);
  BOOST_TEST((*counts)["admin-present.members"] == 1);
}

BOOST_AUTO_TEST_CASE(an_existing_topic_with_another_partition_count_is_an_error) {
  options.topic_prefix = "admin-mismatch";
  BOOST_TEST_REQUIRE(succeeded(mock->create_cluster_topics(options)));
  options.partitions = 8;
  auto ensured = kafka::ensure_topics(options, 5s);
  BOOST_TEST_REQUIRE(!ensured);
  BOOST_TEST(ensured.error().status == 500);
  BOOST_TEST(ensured.error().reason == "kafka topic admin-mismatch.events has 4 partitions; the cluster needs 8");
}

BOOST_AUTO_TEST_CASE(an_unreachable_cluster_fails_within_the_timeout) {
  options.bootstrap = "127.0.0.1:1";
  auto started = clock::now();
  auto ensured = kafka::ensure_topics(options, 1s);
  BOOST_TEST(!ensured);
  BOOST_TEST((clock::now() - started < 3s));
}

BOOST_AUTO_TEST_SUITE_END()
