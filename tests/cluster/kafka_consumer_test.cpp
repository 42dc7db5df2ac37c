#include <boost/test/unit_test.hpp>

#include "kafka_fixture.hpp"

using namespace cohort;
using namespace cohort::cluster;
using namespace cohort::cluster::test;

BOOST_FIXTURE_TEST_SUITE(kafka_consumer_spec, mock_fixture)

BOOST_AUTO_TEST_CASE(records_come_back_in_order_with_offsets_keys_values_and_timestamps) {
  auto topic = make_topic("consume.order", 2);
  auto producer = make_producer();
  produce_all(*producer, topic, 1, numbered("v", 20));

  auto consumer = make_consumer("reader");
  BOOST_TEST_REQUIRE(succeeded(consumer->assign({{topic, 1, kafka::offsets::beginning}})));
  auto records = consume(*consumer, 20, 10s);
  BOOST_TEST_REQUIRE(records.size() == 20u);
  for (int i = 0; i < 20; ++i) {
    const auto& r = records[static_cast<std::size_t>(i)];
    BOOST_TEST(r.topic == topic);
    BOOST_TEST(r.partition == 1);
    BOOST_TEST(r.offset == i);
    BOOST_TEST(r.key == "k" + std::to_string(i));
    BOOST_TEST(r.value == "v" + std::to_string(i));
    BOOST_TEST(r.timestamp_ms > 0);
  }
}

BOOST_AUTO_TEST_CASE(assign_starts_at_an_absolute_offset_or_at_the_end) {
  auto topic = make_topic("consume.start", 1);
  auto producer = make_producer();
  produce_all(*producer, topic, 0, numbered("old", 5));

  auto from_three = make_consumer("from-three");
  BOOST_TEST_REQUIRE(succeeded(from_three->assign({{topic, 0, 3}})));
  auto records = consume(*from_three, 2, 10s);
  BOOST_TEST_REQUIRE(records.size() == 2u);
  BOOST_TEST(records[0].offset == 3);
  BOOST_TEST(records[1].value == "old4");

  auto from_end = make_consumer("from-end");
  BOOST_TEST_REQUIRE(succeeded(from_end->assign({{topic, 0, kafka::offsets::end}})));
  // The end is resolved when the fetcher starts: wait until it has, then produce.
  BOOST_TEST(consume(*from_end, 1, 1s).empty());
  produce_all(*producer, topic, 0, {"new"});
  records = consume(*from_end, 1, 10s);
  BOOST_TEST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0].value == "new");
  BOOST_TEST(records[0].offset == 5);
}

BOOST_AUTO_TEST_CASE(partition_eof_is_reported_only_when_asked_for) {
  auto topic = make_topic("consume.eof", 1);
  auto producer = make_producer();
  produce_all(*producer, topic, 0, numbered("v", 3));

  auto reporting = make_consumer("eof-reporting", std::nullopt, kafka::kafka_consumer::eof_mode::report);
  BOOST_TEST_REQUIRE(succeeded(reporting->assign({{topic, 0, kafka::offsets::beginning}})));
  std::vector<kafka::kafka_message> seen;
  BOOST_TEST(eventually([&] { return !seen.empty() && seen.back().is_eof(); }, 10s, [&] {
    if (auto m = reporting->poll(50ms); m && !m->is_error())
      seen.push_back(*m);
  }));
  BOOST_TEST_REQUIRE(seen.size() == 4u);
  BOOST_TEST(seen[2].is_record());
  BOOST_TEST(seen[3].offset == 3);  // the end: the next offset to come
  BOOST_TEST(seen[3].topic == topic);
  BOOST_TEST(seen[3].partition == 0);

  auto quiet = make_consumer("eof-quiet");
  BOOST_TEST_REQUIRE(succeeded(quiet->assign({{topic, 0, kafka::offsets::beginning}})));
  BOOST_TEST(consume(*quiet, 3, 10s).size() == 3u);
  auto after = quiet->poll(500ms);
  BOOST_TEST(!after.has_value());
}

BOOST_AUTO_TEST_CASE(watermarks_are_the_first_offset_and_the_next_offset) {
  auto topic = make_topic("consume.watermarks", 2);
  auto producer = make_producer();
  produce_all(*producer, topic, 0, numbered("v", 7));
  auto consumer = make_consumer("marks");
  auto marks = consumer->watermarks(topic, 0, 5s);
  BOOST_TEST_REQUIRE(bool(marks), (marks ? "" : marks.error().reason));
  BOOST_TEST(marks->first == 0);
  BOOST_TEST(marks->second == 7);
  auto empty = consumer->watermarks(topic, 1, 5s);
  BOOST_TEST_REQUIRE(bool(empty));
  BOOST_TEST(empty->second == 0);
}

BOOST_AUTO_TEST_CASE(read_to_end_reads_up_to_the_high_watermark_at_the_time_of_the_call) {
  auto topic = make_topic("consume.read_to_end", 2);
  auto producer = make_producer();
  produce_all(*producer, topic, 1, numbered("s", 10));

  auto restorer = make_consumer("restorer");
  std::vector<kafka::kafka_message> read;
  auto end = restorer->read_to_end(topic, 1, kafka::offsets::beginning,
                                   [&](const kafka::kafka_message& m) { read.push_back(m); },
                                   clock::now() + 10s);
  BOOST_TEST_REQUIRE(bool(end), (end ? "" : end.error().reason));
  BOOST_TEST(*end == 10);
  BOOST_TEST_REQUIRE(read.size() == 10u);
  BOOST_TEST(read.front().offset == 0);
  BOOST_TEST(read.back().value == "s9");

  // Continue where it ended: only what came since.
  produce_all(*producer, topic, 1, {"late"});
  read.clear();
  auto next_end = restorer->read_to_end(topic, 1, *end,
                                        [&](const kafka::kafka_message& m) { read.push_back(m); },
                                        clock::now() + 10s);
  BOOST_TEST_REQUIRE(bool(next_end));
  BOOST_TEST(*next_end == 11);
  BOOST_TEST_REQUIRE(read.size() == 1u);
  BOOST_TEST(read[0].value == "late");

  // An empty partition ends at once, and the consumer is left unassigned.
  auto empty_end = restorer->read_to_end(topic, 0, kafka::offsets::beginning,
                                         [&](const kafka::kafka_message&) { BOOST_FAIL("no records"); },
                                         clock::now() + 10s);
  BOOST_TEST_REQUIRE(bool(empty_end));
  BOOST_TEST(*empty_end == 0);
  auto assigned = restorer->assignment();
  BOOST_TEST_REQUIRE(bool(assigned));
  BOOST_TEST(assigned->empty());
}

BOOST_AUTO_TEST_CASE(read_range_stops_before_its_upper_bound_and_fails_at_its_deadline) {
  auto topic = make_topic("consume.read_range", 1);
  auto producer = make_producer();
  produce_all(*producer, topic, 0, numbered("v", 10));
  auto reader = make_consumer("ranger");
  std::vector<std::int64_t> offsets_read;
  auto ok = reader->read_range(topic, 0, 2, 5,
                               [&](const kafka::kafka_message& m) { offsets_read.push_back(m.offset); },
                               clock::now() + 10s);
  BOOST_TEST_REQUIRE(succeeded(ok));
  BOOST_TEST(offsets_read == (std::vector<std::int64_t>{2, 3, 4}));

  // Offset 20 will not exist within the deadline.
  auto late = reader->read_range(topic, 0, 8, 20, [](const kafka::kafka_message&) {},
                                 clock::now() + 1500ms);
  BOOST_TEST_REQUIRE(!late);
  BOOST_TEST(late.error().status == 504);
  BOOST_TEST(late.error().reason.find("stopped at offset 10 before offset 20") != std::string::npos,
             late.error().reason);
}

BOOST_AUTO_TEST_CASE(pause_holds_a_partition_and_seek_then_resume_restarts_it_at_the_offset) {
  auto topic = make_topic("consume.pause", 2);
  auto producer = make_producer();
  produce_all(*producer, topic, 0, numbered("a", 10));
  produce_all(*producer, topic, 1, numbered("b", 10));

  auto consumer = make_consumer("pauser");
  BOOST_TEST_REQUIRE(succeeded(consumer->assign({{topic, 0, kafka::offsets::beginning},
                                                 {topic, 1, kafka::offsets::beginning}})));
  BOOST_TEST_REQUIRE(succeeded(consumer->pause({{topic, 0}})));
  auto records = consume(*consumer, 20, 2s);
  for (const auto& r : records)
    BOOST_TEST(r.partition == 1, "a record of the paused partition: offset " << r.offset);
  BOOST_TEST(records.size() == 10u);

  BOOST_TEST_REQUIRE(succeeded(consumer->seek(topic, 0, 6)));
  BOOST_TEST_REQUIRE(succeeded(consumer->resume({{topic, 0}})));
  records = consume(*consumer, 4, 10s);
  BOOST_TEST_REQUIRE(records.size() == 4u);
  BOOST_TEST(records[0].partition == 0);
  BOOST_TEST(records[0].offset == 6);
  BOOST_TEST(records[3].value == "a9");
}

BOOST_AUTO_TEST_CASE(a_new_assignment_fetches_a_partition_paused_under_the_old_one) {
  auto topic = make_topic("consume.reassign_paused", 1);
  auto producer = make_producer();
  produce_all(*producer, topic, 0, numbered("v", 3));
  auto consumer = make_consumer("reassigner");
  BOOST_TEST_REQUIRE(succeeded(consumer->assign({{topic, 0, kafka::offsets::beginning}})));
  BOOST_TEST_REQUIRE(succeeded(consumer->pause({{topic, 0}})));
  BOOST_TEST_REQUIRE(succeeded(consumer->assign({})));
  // librdkafka alone would keep the partition paused here (measured on 2.0.2).
  BOOST_TEST_REQUIRE(succeeded(consumer->assign({{topic, 0, kafka::offsets::beginning}})));
  BOOST_TEST(consume(*consumer, 3, 10s).size() == 3u);
}

BOOST_AUTO_TEST_CASE(seek_moves_an_active_partition_back) {
  auto topic = make_topic("consume.seek", 1);
  auto producer = make_producer();
  produce_all(*producer, topic, 0, numbered("v", 5));
  auto consumer = make_consumer("seeker");
  BOOST_TEST_REQUIRE(succeeded(consumer->assign({{topic, 0, kafka::offsets::beginning}})));
  BOOST_TEST_REQUIRE(consume(*consumer, 5, 10s).size() == 5u);
  BOOST_TEST_REQUIRE(succeeded(consumer->seek(topic, 0, 1)));
  auto again = consume(*consumer, 4, 10s);
  BOOST_TEST_REQUIRE(again.size() == 4u);
  BOOST_TEST(again[0].offset == 1);
}

BOOST_AUTO_TEST_CASE(the_mock_answers_no_offset_for_a_time) {
  auto topic = make_topic("consume.offset_for_time", 1);
  auto producer = make_producer();
  produce_all(*producer, topic, 0, numbered("v", 3));
  auto consumer = make_consumer("timer");
  auto offset = consumer->offset_for_time(topic, 0, 1, 5s);
  BOOST_TEST_REQUIRE(bool(offset), (offset ? "" : offset.error().reason));
  BOOST_TEST(*offset == -1);  // a real broker answers 0 here; the mock's lookup is a FIXME
}

BOOST_AUTO_TEST_CASE(group_operations_are_refused_without_a_group_and_vice_versa) {
  auto manual = make_consumer("manual");
  auto subscribed = manual->subscribe({"x"}, {});
  BOOST_TEST_REQUIRE(!subscribed);
  BOOST_TEST(subscribed.error().reason == "subscribe needs a consumer created with a group id");
  auto committed = manual->commit({{"x", 0, 1}});
  BOOST_TEST(!committed);

  auto member = make_consumer("member", std::string("g"));
  BOOST_TEST(!member->assign({{"x", 0, 0}}));
  BOOST_TEST(!member->read_range("x", 0, 0, 1, [](const kafka::kafka_message&) {}, clock::now() + 1s));
  BOOST_TEST(succeeded(member->close()));
  BOOST_TEST(succeeded(member->close()));  // idempotent
  BOOST_TEST(!member->assignment());
}

BOOST_AUTO_TEST_SUITE_END()
