#include <boost/test/unit_test.hpp>

#include <signal.h>

#include "kafka/kafka_admin.hpp"
#include "kafka_fixture.hpp"
#include "mock_process.hpp"

using namespace cohort;
using namespace cohort::cluster;
using namespace cohort::cluster::test;

BOOST_FIXTURE_TEST_SUITE(mock_cluster_spec, own_mock_fixture)

BOOST_AUTO_TEST_CASE(bootstrap_lists_one_loopback_address_per_broker) {
  const auto& bootstrap = mock->bootstrap();
  BOOST_TEST(std::count(bootstrap.begin(), bootstrap.end(), ',') == 2);
  BOOST_TEST(bootstrap.rfind("127.0.0.1:", 0) == 0u, bootstrap);
}

BOOST_AUTO_TEST_CASE(a_down_leader_stalls_deliveries_until_the_partition_moves) {
  auto topic = make_topic("mock.failover", 1);
  BOOST_TEST_REQUIRE(succeeded(mock->set_partition_leader(topic, 0, 1)));
  auto producer = make_producer();
  produce_all(*producer, topic, 0, {"before"});

  BOOST_TEST_REQUIRE(succeeded(mock->set_broker_down(1)));
  deliveries delivered;
  producer->produce(topic, 0, "k", "during", delivered.callback("during"));
  BOOST_TEST(!delivered.wait_for(1, 500ms));  // the leader is gone and the mock keeps it

  BOOST_TEST_REQUIRE(succeeded(mock->set_partition_leader(topic, 0, 2)));
  BOOST_TEST_REQUIRE(delivered.wait_for(1, 8s));
  BOOST_TEST(delivered.errors().empty());
  BOOST_TEST(delivered.offsets()["during"] == 1);
  BOOST_TEST(succeeded(mock->set_broker_up(1)));
}

BOOST_AUTO_TEST_CASE(fault_hooks_refuse_unknown_topics_partitions_and_brokers) {
  auto topic = make_topic("mock.hooks", 2);
  auto unknown_topic = mock->set_partition_leader("mock.no_such_topic", 0, 1);
  BOOST_TEST_REQUIRE(!unknown_topic);
  BOOST_TEST(unknown_topic.error().reason
             == "mock cluster: topic mock.no_such_topic was not created by create_topic");
  BOOST_TEST(!mock->set_partition_leader(topic, 2, 1));
  auto unknown_broker = mock->set_partition_leader(topic, 0, 9);
  BOOST_TEST_REQUIRE(!unknown_broker);
  BOOST_TEST(unknown_broker.error().reason.find("Broker not available") != std::string::npos,
             unknown_broker.error().reason);
  BOOST_TEST(!mock->set_broker_down(9));
  BOOST_TEST(succeeded(mock->set_rtt(2, 5)));
  BOOST_TEST(succeeded(mock->set_rtt(2, 0)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kafka_mock_process_spec)

BOOST_AUTO_TEST_CASE(a_mock_that_ends_on_its_own_reports_its_exit_status) {
  // The cluster fixture relies on this to say "the broker died" instead of a missing ack.
  child_process process{{COHORT_KAFKA_MOCK_PATH, "--no-such-flag"}};
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::optional<int> code;
  while (!(code = process.exited()) && std::chrono::steady_clock::now() < deadline)
    process.read_line(50ms);  // bounded wait: output or the pipe's end
  BOOST_TEST(code.value_or(-1) == 2);
  BOOST_TEST(process.stop(SIGTERM, 1s).value_or(-1) == 2);
}

BOOST_AUTO_TEST_CASE(cohort_kafka_mock_serves_other_processes_and_takes_fault_commands) {
  child_process process{{COHORT_KAFKA_MOCK_PATH, "--brokers", "3", "--topic-prefix", "it",
                         "--partitions", "6"}};
  auto banner = process.read_line(10s);
  BOOST_TEST_REQUIRE(banner.has_value());
  const std::string prefix = "cohort-kafka-mock bootstrap ";
  BOOST_TEST_REQUIRE(banner->rfind(prefix, 0) == 0u, *banner);
  auto options = options_for(banner->substr(prefix.size()));
  options.topic_prefix = "it";
  options.partitions = 6;

  // The six topics exist with the partition counts kafka::ensure_topics checks.
  BOOST_TEST(succeeded(kafka::ensure_topics(options, 5s)));

  auto producer = kafka::kafka_producer::create(options, "it-producer");
  BOOST_TEST_REQUIRE(bool(producer));
  const auto events = kafka::topic_name(options, kafka::topics::events);
  produce_all(**producer, events, 5, numbered("e", 3));

  BOOST_TEST_REQUIRE(process.write_line("leader it.events 5 2"));
  BOOST_TEST(process.read_line(5s).value_or("(nothing)") == "ok");
  produce_all(**producer, events, 5, {"after-move"});

  auto consumer = kafka::kafka_consumer::create(options, "it-consumer", std::nullopt);
  BOOST_TEST_REQUIRE(bool(consumer));
  std::vector<std::string> values;
  auto end = (*consumer)->read_to_end(events, 5, kafka::offsets::beginning,
                                      [&](const kafka::kafka_message& m) { values.push_back(m.value); },
                                      clock::now() + 10s);
  BOOST_TEST_REQUIRE(bool(end), (end ? "" : end.error().reason));
  BOOST_TEST(*end == 4);
  BOOST_TEST(values == (std::vector<std::string>{"e0", "e1", "e2", "after-move"}));

  BOOST_TEST_REQUIRE(process.write_line("down 7"));
  auto refused = process.read_line(5s);
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST(refused->rfind("error: ", 0) == 0u, *refused);
  BOOST_TEST_REQUIRE(process.write_line("rtt 1 5"));
  BOOST_TEST(process.read_line(5s).value_or("(nothing)") == "ok");

  consumer->reset();
  producer->reset();
  BOOST_TEST(process.stop(SIGTERM, 10s).value_or(-1) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
