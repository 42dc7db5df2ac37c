#include <boost/test/unit_test.hpp>

#include <future>
#include <set>

#include "kafka_fixture.hpp"

using namespace cohort;
using namespace cohort::cluster;
using namespace cohort::cluster::test;

BOOST_FIXTURE_TEST_SUITE(kafka_producer_spec, mock_fixture)

BOOST_AUTO_TEST_CASE(each_record_gets_its_offset_once_on_the_producers_poll_thread) {
  auto topic = make_topic("produce.offsets", 3);
  auto producer = make_producer();
  deliveries delivered;
  for (int i = 0; i < 30; ++i)
    producer->produce(topic, i % 3, "key" + std::to_string(i), "value" + std::to_string(i),
                      delivered.callback(std::to_string(i)));
  BOOST_TEST_REQUIRE(delivered.wait_for(30, 10s));
  BOOST_TEST(succeeded(producer->flush(1s)));

  BOOST_TEST(delivered.errors().empty());
  auto calls = delivered.calls();
  BOOST_TEST(calls.size() == 30u);
  for (const auto& [tag, count] : calls)
    BOOST_TEST(count == 1, "record " << tag << " had " << count << " callbacks");
  // Partition p got records p, p+3, ...: offsets 0..9 in produce order.
  auto offsets = delivered.offsets();
  for (int i = 0; i < 30; ++i)
    BOOST_TEST(offsets[std::to_string(i)] == i / 3, "record " << i);
  auto threads = delivered.threads();
  std::set<std::thread::id> distinct(threads.begin(), threads.end());
  BOOST_TEST(distinct.size() == 1u);
  BOOST_TEST((*distinct.begin() != std::this_thread::get_id()));
  BOOST_TEST(producer->outstanding() == 0u);
}

BOOST_AUTO_TEST_CASE(a_partition_that_does_not_exist_fails_the_callback_with_the_reason) {
  auto topic = make_topic("produce.unknown_partition", 2);
  auto producer = make_producer();
  deliveries delivered;
  producer->produce(topic, 7, "k", "v", delivered.callback("x"));
  BOOST_TEST_REQUIRE(delivered.wait_for(1, 10s));
  auto errors = delivered.errors();
  BOOST_TEST_REQUIRE(errors.count("x") == 1u);
  BOOST_TEST(errors["x"].find(topic + "/7") != std::string::npos, errors["x"]);
  BOOST_TEST(errors["x"].find("Unknown partition") != std::string::npos, errors["x"]);
}

BOOST_AUTO_TEST_CASE(flush_from_a_delivery_callback_is_refused_instead_of_waiting_for_itself) {
  auto topic = make_topic("produce.flush_in_callback", 1);
  auto producer = make_producer();
  std::promise<std::string> inside;
  producer->produce(topic, 0, "k", "v", [&](result<std::int64_t>) {
    auto flushed = producer->flush(5s);
    inside.set_value(flushed ? "flushed" : flushed.error().reason);
  });
  auto answer = inside.get_future();
  BOOST_TEST_REQUIRE((answer.wait_for(10s) == std::future_status::ready));
  BOOST_TEST(answer.get() == "kafka_producer::flush called from a delivery callback");
}

BOOST_AUTO_TEST_CASE(an_unreachable_cluster_fails_each_record_after_the_message_timeout) {
  options.bootstrap = "127.0.0.1:1";  // nothing listens there
  options.message_timeout = 500ms;
  auto producer = make_producer();
  deliveries delivered;
  producer->produce("anything", 0, "k", "v", delivered.callback("x"));
  BOOST_TEST_REQUIRE(delivered.wait_for(1, 5s));
  auto errors = delivered.errors();
  BOOST_TEST_REQUIRE(errors.count("x") == 1u);
  BOOST_TEST(errors["x"].find("timed out") != std::string::npos, errors["x"]);
}

BOOST_AUTO_TEST_CASE(a_full_local_queue_fails_the_record_after_a_bounded_wait) {
  options.bootstrap = "127.0.0.1:1";  // nothing is ever sent, so nothing makes room
  options.message_timeout = 300ms;
  options.extra = {{"queue.buffering.max.messages", "1"}};
  auto producer = make_producer();
  deliveries delivered;
  producer->produce("anything", 0, "k", "first", delivered.callback("first"));
  const auto started = clock::now();
  producer->produce("anything", 0, "k", "second", delivered.callback("second"));
  const auto blocked = clock::now() - started;
  BOOST_TEST((blocked >= kafka::kafka_producer::queue_full_wait));
  BOOST_TEST((blocked < kafka::kafka_producer::queue_full_wait + 400ms));
  BOOST_TEST_REQUIRE(delivered.wait_for(2, 5s));
  auto errors = delivered.errors();
  BOOST_TEST(errors["second"].find("local produce queue is full") == 0u, errors["second"]);
  BOOST_TEST(errors["first"].find("timed out") != std::string::npos, errors["first"]);
}

BOOST_AUTO_TEST_CASE(destroying_the_producer_fails_what_it_could_not_deliver) {
  options.bootstrap = "127.0.0.1:1";
  options.message_timeout = 60000ms;  // longer than the destructor's flush
  auto producer = make_producer();
  deliveries delivered;
  for (int i = 0; i < 3; ++i)
    producer->produce("anything", 0, "k", "v", delivered.callback(std::to_string(i)));
  const auto started = clock::now();
  producer.reset();
  BOOST_TEST((clock::now() - started < 5s));
  BOOST_TEST_REQUIRE(delivered.wait_for(3, 0ms));
  for (const auto& [tag, reason] : delivered.errors())
    BOOST_TEST((reason.find("urge") != std::string::npos || reason.find("closed") != std::string::npos),
               tag << ": " << reason);
  BOOST_TEST(delivered.errors().size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
