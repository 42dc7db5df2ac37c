#include <boost/test/unit_test.hpp>

#include "actors/dedup_window.hpp"

using cohort::actors::dedup_window;

BOOST_AUTO_TEST_SUITE(dedup_window_suite)

BOOST_AUTO_TEST_CASE(a_repeated_id_inside_the_window_is_a_duplicate) {
  dedup_window w{1000, 100};
  BOOST_TEST(w.insert("m1", 0));
  BOOST_TEST(!w.insert("m1", 999));
}

BOOST_AUTO_TEST_CASE(the_window_ends_exactly_at_its_length) {
  dedup_window w{1000, 100};
  BOOST_TEST(w.insert("m1", 0));
  BOOST_TEST(!w.insert("m1", 999));
  BOOST_TEST(w.insert("m1", 1000));  // seen 1000 ms ago: outside a 1000 ms window
}

BOOST_AUTO_TEST_CASE(distinct_ids_are_never_duplicates) {
  dedup_window w{1000, 100};
  BOOST_TEST(w.insert("m1", 0));
  BOOST_TEST(w.insert("m2", 0));
  BOOST_TEST(w.size() == 2u);
}

BOOST_AUTO_TEST_CASE(empty_ids_are_always_applied) {
  dedup_window w{1000, 100};
  BOOST_TEST(w.insert("", 0));
  BOOST_TEST(w.insert("", 0));
  BOOST_TEST(w.size() == 0u);
}

BOOST_AUTO_TEST_CASE(time_going_backwards_does_not_extend_the_window) {
  dedup_window w{1000, 100};
  BOOST_TEST(w.insert("old", 0));
  BOOST_TEST(w.insert("new", 5000));
  // An arrival stamped earlier than the latest still expires "old" against 5000.
  BOOST_TEST(w.insert("old", 10));
}

BOOST_AUTO_TEST_CASE(memory_is_bounded_by_max_ids_oldest_forgotten_first) {
  dedup_window w{1000000, 3};
  for (auto id : {"a", "b", "c", "d"})
    BOOST_TEST(w.insert(id, 0));
  BOOST_TEST(w.size() == 3u);
  BOOST_TEST(!w.insert("d", 1));  // newest still remembered
  BOOST_TEST(w.insert("a", 1));   // oldest was forgotten
}

BOOST_AUTO_TEST_SUITE_END()
