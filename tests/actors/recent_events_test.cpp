#include <boost/test/unit_test.hpp>

#include <deque>
#include <memory>
#include <string>

#include "actors/recent_events.hpp"

using cohort::actors::recent_events;
using cohort::codecs::event;
using cohort::codecs::value;

namespace {

event make_event(int i, std::int64_t ts) {
  event ev;
  ev.message_id = "message-" + std::to_string(i);
  ev.user_id = "u1";
  ev.call = "track";
  ev.type = "product_view";
  ev.name = "Product Viewed";
  ev.timestamp_ms = ts;
  ev.received_ms = ts + 5;
  ev.seq = static_cast<std::uint64_t>(i) + 1;
  ev.properties.push_back({"product_id", value::of_string("p" + std::to_string(i))});
  ev.properties.push_back({"price", value::of_number(19.9)});
  ev.context.push_back({"page.path", value::of_string("/p/" + std::to_string(i))});
  return ev;
}

std::vector<std::string> ids(const recent_events& r) {
  std::vector<std::string> out;
  for (const auto& ev : r.decoded())
    out.push_back(ev.message_id);
  return out;
}

template <class T>
std::string packed(const T& x) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, x);
  return {buf.data(), buf.size()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(recent_events_suite)

BOOST_AUTO_TEST_CASE(keeps_the_newest_events_whole_and_in_order) {
  recent_events r{3};
  for (int i = 0; i < 5; ++i)
    r.push(make_event(i, 1000 * i));
  BOOST_TEST(r.size() == 3u);
  auto kept = r.decoded();
  BOOST_TEST(kept.size() == 3u);
  for (int k = 0; k < 3; ++k) {
    auto expected = make_event(k + 2, 1000 * (k + 2));
    BOOST_TEST(kept[k].message_id == expected.message_id);
    BOOST_TEST(kept[k].seq == expected.seq);
    BOOST_TEST(kept[k].received_ms == expected.received_ms);
    BOOST_TEST((kept[k].properties == expected.properties));
    BOOST_TEST((kept[k].context == expected.context));
  }
}

BOOST_AUTO_TEST_CASE(an_event_the_log_packed_is_kept_as_the_logs_bytes) {
  // The log's slice is what is kept, not a second packing of the fields: here the slice
  // is another event's encoding, so the list shows which of the two was used.
  auto logged = make_event(7, 7000);
  auto bytes = packed(logged);
  auto record = std::make_shared<std::string>("header" + bytes);
  auto ev = make_event(1, 1000);
  ev.packed = cohort::codecs::packed_slice{
    std::shared_ptr<const char>{record, record->data()}, 6, bytes.size()};
  recent_events r{3};
  r.push(ev);
  r.push(make_event(2, 2000));  // no slice: packed here
  BOOST_TEST(ids(r) == (std::vector<std::string>{"message-7", "message-2"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(capacity_zero_keeps_nothing) {
  recent_events r{0};
  r.push(make_event(1, 1));
  BOOST_TEST(r.size() == 0u);
  BOOST_TEST(r.decoded().empty());
}

BOOST_AUTO_TEST_CASE(snapshots_keep_the_format_of_a_list_of_events) {
  // Snapshots written before this class held a std::deque<event>: both must read alike.
  recent_events r{4};
  std::deque<event> plain;
  for (int i = 0; i < 6; ++i) {
    r.push(make_event(i, i));
    plain.push_back(make_event(i, i));
    if (plain.size() > 4)
      plain.pop_front();
  }
  BOOST_TEST(packed(r) == packed(plain));

  auto bytes = packed(plain);
  recent_events smaller{2};  // a lowered sessions.recent_events keeps the newest
  msgpack::unpack(bytes.data(), bytes.size()).get().convert(smaller);
  BOOST_TEST(ids(smaller) == (std::vector<std::string>{"message-4", "message-5"}));
}

BOOST_AUTO_TEST_CASE(a_snapshot_that_is_not_a_list_of_events_is_refused) {
  auto bytes = packed(std::vector<int>{1, 2});
  recent_events r{4};
  BOOST_CHECK_THROW(msgpack::unpack(bytes.data(), bytes.size()).get().convert(r),
                    msgpack::type_error);
}

BOOST_AUTO_TEST_CASE(absorbing_interleaves_by_event_time_and_keeps_the_newest) {
  recent_events a{4}, b{4};
  a.push(make_event(1, 10));
  a.push(make_event(3, 30));
  a.push(make_event(5, 50));
  b.push(make_event(2, 20));
  b.push(make_event(4, 40));
  b.push(make_event(6, 60));
  a.absorb(b);
  BOOST_TEST(ids(a) == (std::vector<std::string>{"message-3", "message-4", "message-5",
                                                 "message-6"}));
}

BOOST_AUTO_TEST_CASE(pushing_long_past_the_capacity_keeps_exactly_the_newest) {
  // What is packed, decoded and merged is always the newest 16, however many were
  // dropped before them.
  recent_events r{16};
  std::deque<event> plain;
  for (int i = 0; i < 200; ++i) {
    r.push(make_event(i, 10 * i));
    plain.push_back(make_event(i, 10 * i));
    if (plain.size() > 16)
      plain.pop_front();
    BOOST_TEST_REQUIRE(packed(r) == packed(plain), "after event " << i);
  }
  BOOST_TEST(ids(r).front() == "message-184");

  recent_events other{16};
  for (int i = 0; i < 17; ++i)  // one dropped
    other.push(make_event(1000 + i, 10 * 184 + 5 + 10 * i));
  r.absorb(other);
  // By time, newest 16: r's 193..199 (at 1930..1990) between other's 1008..1016 (1925..2005).
  BOOST_TEST(ids(r) == (std::vector<std::string>{
                         "message-1008", "message-193", "message-1009", "message-194",
                         "message-1010", "message-195", "message-1011", "message-196",
                         "message-1012", "message-197", "message-1013", "message-198",
                         "message-1014", "message-199", "message-1015", "message-1016"}));
}

BOOST_AUTO_TEST_CASE(events_of_varied_sizes_wrap_around_and_read_back_whole) {
  // Encodings of different sizes come and go: packed, decoded and copied, the list is
  // the newest 7 after every push.
  recent_events r{7};
  std::deque<event> plain;
  for (int i = 0; i < 300; ++i) {
    auto ev = make_event(i, 10 * i);
    ev.properties.push_back({"note", value::of_string(std::string(i * 7 % 90, 'x'))});
    r.push(ev);
    plain.push_back(ev);
    if (plain.size() > 7)
      plain.pop_front();
    BOOST_TEST_REQUIRE(packed(r) == packed(plain), "after event " << i);
    std::vector<std::string> expected;
    for (const auto& e : plain)
      expected.push_back(e.message_id);
    BOOST_TEST_REQUIRE(ids(r) == expected, "after event " << i);
    const auto copy = r;
    BOOST_TEST_REQUIRE(packed(copy) == packed(plain), "copy after event " << i);
  }
}

BOOST_AUTO_TEST_CASE(events_let_go_after_a_written_snapshot_come_back_whole_and_in_order) {
  recent_events live{4};
  for (int i = 0; i < 3; ++i)
    live.push(make_event(i, 1000));  // equal times: the order pushed is kept
  auto stored = live;                // what the written snapshot holds
  live.release(live.mark());
  BOOST_TEST(live.partial());
  BOOST_TEST(live.size() == 0u);
  BOOST_CHECK_THROW(packed(live), std::logic_error);  // a snapshot would lose them
  live.push(make_event(3, 1000));
  live.complete(stored);
  BOOST_TEST(!live.partial());
  BOOST_TEST(ids(live) == (std::vector<std::string>{"message-0", "message-1", "message-2",
                                                    "message-3"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_event_after_the_snapshot_keeps_the_events_held) {
  recent_events live{4};
  live.push(make_event(0, 1000));
  auto mark = live.mark();
  live.push(make_event(1, 2000));  // not in the snapshot taken at `mark`
  live.release(mark);
  BOOST_TEST(!live.partial());
  BOOST_TEST(live.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_full_list_after_a_release_needs_nothing_back) {
  recent_events live{2};
  live.push(make_event(0, 1000));
  live.release(live.mark());
  live.push(make_event(1, 2000));
  BOOST_TEST(live.partial());
  live.push(make_event(2, 3000));  // the two newest are both held
  BOOST_TEST(!live.partial());
  BOOST_TEST(ids(live) == (std::vector<std::string>{"message-1", "message-2"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
