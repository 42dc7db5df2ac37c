// Per-profile order, turns between profiles, replays and the queue bound.
#include <boost/test/unit_test.hpp>

#include "connectors/delivery_index.hpp"

using namespace cohort::connectors;

namespace {
queued_ref ref(const std::string& profile, std::uint64_t seq, std::int64_t at) {
  return queued_ref{profile, seq, at};
}
}

BOOST_AUTO_TEST_SUITE(delivery_index_suite)

BOOST_AUTO_TEST_CASE(a_profile_sends_one_change_at_a_time_in_seq_order) {
  delivery_index idx;
  BOOST_TEST(idx.add(ref("a", 2, 2)));
  BOOST_TEST(idx.add(ref("a", 1, 1)));
  BOOST_TEST(idx.add(ref("b", 1, 3)));
  auto first = idx.next();
  BOOST_TEST_REQUIRE(static_cast<bool>(first));
  BOOST_TEST(first->profile == "a");
  BOOST_TEST(first->seq == 1u);
  auto second = idx.next();
  BOOST_TEST_REQUIRE(static_cast<bool>(second));
  BOOST_TEST(second->profile == "b");  // a is busy: its seq 2 waits
  BOOST_TEST(!idx.next());
  idx.done("a");
  auto third = idx.next();
  BOOST_TEST_REQUIRE(static_cast<bool>(third));
  BOOST_TEST(third->seq == 2u);
  idx.done("a");
  idx.done("b");
  BOOST_TEST(idx.size() == 0u);
  BOOST_TEST(!idx.next());
}

BOOST_AUTO_TEST_CASE(a_failed_head_is_retried_before_its_successors) {
  delivery_index idx;
  idx.add(ref("a", 1, 1));
  idx.add(ref("a", 2, 2));
  auto head = idx.next();
  BOOST_TEST(idx.failed_attempt("a") == 1u);
  BOOST_TEST(!idx.next());  // waiting for its retry
  idx.release("a");
  auto again = idx.next();
  BOOST_TEST_REQUIRE(static_cast<bool>(again));
  BOOST_TEST(again->seq == head->seq);
  BOOST_TEST(idx.failed_attempt("a") == 2u);
}

BOOST_AUTO_TEST_CASE(a_replayed_change_is_queued_once_and_never_overtakes_the_head) {
  delivery_index idx;
  idx.add(ref("a", 5, 1));
  BOOST_TEST(!idx.add(ref("a", 5, 9)));  // already queued
  auto head = idx.next();
  BOOST_TEST(head->seq == 5u);
  BOOST_TEST(idx.add(ref("a", 4, 9)));  // delivered before a crash, derived again
  idx.done("a");
  auto next = idx.next();
  BOOST_TEST_REQUIRE(static_cast<bool>(next));
  BOOST_TEST(next->seq == 4u);
}

BOOST_AUTO_TEST_CASE(the_bound_drops_the_oldest_not_being_sent) {
  delivery_index idx;
  idx.add(ref("a", 1, 10));
  idx.add(ref("b", 1, 20));
  idx.add(ref("a", 2, 30));
  auto sending = idx.next();  // a/1, the oldest, is in flight
  BOOST_TEST(sending->profile == "a");
  auto dropped = idx.drop_oldest();
  BOOST_TEST_REQUIRE(static_cast<bool>(dropped));
  BOOST_TEST(dropped->profile == "b");
  BOOST_TEST(idx.size() == 2u);
  dropped = idx.drop_oldest();
  BOOST_TEST(dropped->profile == "a");
  BOOST_TEST(dropped->seq == 2u);
  BOOST_TEST(!idx.drop_oldest());  // only the head in flight is left
  idx.done("a");
  BOOST_TEST(idx.size() == 0u);
  BOOST_TEST(!idx.next());
}

BOOST_AUTO_TEST_SUITE_END()
