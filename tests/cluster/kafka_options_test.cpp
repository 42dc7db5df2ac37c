#include <boost/test/unit_test.hpp>

#include "kafka/kafka_options.hpp"

using namespace cohort;

BOOST_AUTO_TEST_SUITE(kafka_options_spec)

BOOST_AUTO_TEST_CASE(topics_are_named_prefix_dot_suffix) {
  kafka::kafka_options options;
  BOOST_TEST(kafka::topic_name(options, kafka::topics::events) == "cohort.events");
  options.topic_prefix = "shop";
  BOOST_TEST(kafka::topic_name(options, kafka::topics::state) == "shop.state");
  BOOST_TEST(kafka::topic_name(options, kafka::topics::identity) == "shop.identity");
  BOOST_TEST(kafka::topic_name(options, kafka::topics::changes) == "shop.changes");
  BOOST_TEST(kafka::topic_name(options, kafka::topics::members) == "shop.members");
}

BOOST_AUTO_TEST_CASE(identity_and_members_have_one_partition_the_others_P) {
  kafka::kafka_options options;
  options.partitions = 12;
  BOOST_TEST(partitions_of(options, kafka::topics::events) == 12);
  BOOST_TEST(partitions_of(options, kafka::topics::state) == 12);
  BOOST_TEST(partitions_of(options, kafka::topics::changes) == 12);
  BOOST_TEST(partitions_of(options, kafka::topics::identity) == 1);
  BOOST_TEST(partitions_of(options, kafka::topics::members) == 1);
}

BOOST_AUTO_TEST_CASE(a_bad_property_is_reported_with_its_name_value_and_librdkafkas_reason) {
  kafka::kafka_options options;
  options.bootstrap = "127.0.0.1:9092";
  options.extra = {{"no.such.property", "1"}};
  auto conf = make_conf(options, "c", {});
  BOOST_TEST_REQUIRE(!conf);
  BOOST_TEST(conf.error().status == 400);
  BOOST_TEST(conf.error().reason.find("no.such.property=1") != std::string::npos,
             conf.error().reason);
  BOOST_TEST(conf.error().reason.find("No such configuration property") != std::string::npos,
             conf.error().reason);

  options.extra = {};
  auto role = make_conf(options, "c", {{"acks", "sometimes"}});
  BOOST_TEST_REQUIRE(!role);
  BOOST_TEST(role.error().reason.find("acks=sometimes") != std::string::npos, role.error().reason);
}

BOOST_AUTO_TEST_CASE(extra_properties_are_applied_after_the_role_settings) {
  kafka::kafka_options options;
  options.bootstrap = "127.0.0.1:9092";
  options.extra = {{"linger.ms", "50"}};
  auto conf = make_conf(options, "c", {{"linger.ms", "2"}});
  BOOST_TEST_REQUIRE(bool(conf));
  char value[64];
  size_t size = sizeof value;
  BOOST_TEST_REQUIRE(rd_kafka_conf_get(conf->get(), "linger.ms", value, &size) == RD_KAFKA_CONF_OK);
  BOOST_TEST(std::string(value) == "50");
}

BOOST_AUTO_TEST_CASE(an_empty_bootstrap_list_is_refused) {
  kafka::kafka_options options;
  auto conf = make_conf(options, "c", {});
  BOOST_TEST_REQUIRE(!conf);
  BOOST_TEST(conf.error().reason == "kafka bootstrap servers are not set");
}

BOOST_AUTO_TEST_SUITE_END()
