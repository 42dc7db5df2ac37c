#include <boost/test/unit_test.hpp>

#include <string>

#include "actors/dedup_window.hpp"

using cohort::actors::dedup_window;

namespace {

std::string id(int i) { return "m" + std::to_string(i); }

/// The window as a snapshot would store and restore it.
dedup_window round_trip(const dedup_window& w, std::int64_t window_ms, std::size_t max_ids) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, w);
  dedup_window back{window_ms, max_ids};
  msgpack::unpack(buf.data(), buf.size()).get().convert(back);
  return back;
}

} // namespace

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

BOOST_AUTO_TEST_CASE(a_heavy_user_is_deduplicated_as_well_as_a_light_one) {
  // Past a few dozen ids the window switches from scanning to a hash index, and back
  // once they expire: every id must be recognised across both switches.
  dedup_window w{1000, 100000};
  for (int i = 0; i < 500; ++i)
    BOOST_TEST(w.insert(id(i), i));
  for (int i = 0; i < 500; ++i)
    BOOST_TEST(!w.insert(id(i), 999), id(i));
  BOOST_TEST(w.size() == 500u);
  BOOST_TEST(w.insert("late", 1490));  // ids 0..490 are now 1000 ms old or older
  BOOST_TEST(w.size() == 10u);
  for (int i = 491; i < 500; ++i)
    BOOST_TEST(!w.insert(id(i), 1490), id(i));
  BOOST_TEST(w.insert(id(0), 1490));
}

BOOST_AUTO_TEST_CASE(a_restored_window_remembers_the_same_ids) {
  for (int n : {3, 300}) {
    dedup_window w{1000, 100000};
    for (int i = 0; i < n; ++i)
      w.insert(id(i), 0);
    w.insert("x", 500);
    auto back = round_trip(w, 1000, 100000);
    BOOST_TEST(back.size() == w.size());
    for (int i = 0; i < n; ++i)
      BOOST_TEST(!back.insert(id(i), 999), id(i));
    BOOST_TEST(back.insert(id(0), 1000));  // expiry uses the restored times
    BOOST_TEST(!back.insert("x", 1000));
  }
}

BOOST_AUTO_TEST_CASE(absorbing_another_window_recognises_ids_of_both) {
  dedup_window a{1000, 100000}, b{1000, 100000};
  for (int i = 0; i < 100; ++i) {
    a.insert(id(i), i);
    b.insert(id(i + 50), i);  // 50..99 seen by both
  }
  a.absorb(b);
  BOOST_TEST(a.size() == 150u);
  for (int i = 0; i < 150; ++i)
    BOOST_TEST(!a.insert(id(i), 200), id(i));
}

BOOST_AUTO_TEST_SUITE_END()
