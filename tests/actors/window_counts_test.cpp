#include <boost/test/unit_test.hpp>

#include "actors/window_counts.hpp"

using namespace cohort;

BOOST_AUTO_TEST_SUITE(window_counts_suite)

BOOST_AUTO_TEST_CASE(counts_events_of_a_type_within_the_span_before_the_latest) {
  std::vector<config::window_spec> windows{{"product_view", 5 * 60000}};
  actors::window_counts w;
  for (std::int64_t t : {0, 60000, 120000, 400000})
    w.add(windows, "product_view", t);
  w.add(windows, "click", 400000);  // not counted by any window: not kept
  BOOST_TEST(w.count(windows[0], 400000) == 2.0);  // (100000, 400000]: 120000 and 400000
}

BOOST_AUTO_TEST_CASE(the_window_excludes_its_lower_edge) {
  std::vector<config::window_spec> windows{{"click", 1000}};
  actors::window_counts w;
  w.add(windows, "click", 0);
  w.add(windows, "click", 1000);
  BOOST_TEST(w.count(windows[0], 1000) == 1.0);
  BOOST_TEST(w.count(windows[0], 999) == 1.0);  // the event at 1000 is after "latest"
}

BOOST_AUTO_TEST_CASE(out_of_order_events_are_counted_in_place) {
  std::vector<config::window_spec> windows{{"click", 10000}};
  actors::window_counts w;
  w.add(windows, "click", 9000);
  w.add(windows, "click", 2000);
  w.add(windows, "click", 5000);
  BOOST_TEST(w.count(windows[0], 9000) == 3.0);
  BOOST_TEST(w.count(windows[0], 13000) == 2.0);
}

BOOST_AUTO_TEST_CASE(pruning_keeps_what_the_longest_window_needs) {
  std::vector<config::window_spec> windows{{"click", 1000}, {"click", 5000}};
  actors::window_counts w;
  for (std::int64_t t : {0, 2000, 4000, 6000})
    w.add(windows, "click", t);
  w.prune(windows, 6000);
  BOOST_TEST(w.count(windows[1], 6000) == 3.0);
  BOOST_TEST(w.count(windows[0], 6000) == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
