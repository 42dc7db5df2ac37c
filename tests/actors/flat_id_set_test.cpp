#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

#include "actors/flat_id_set.hpp"

using cohort::actors::flat_id_set;

BOOST_AUTO_TEST_SUITE(flat_id_set_suite)

BOOST_AUTO_TEST_CASE(an_id_is_held_once_until_erased) {
  flat_id_set s;
  BOOST_TEST(!s.contains(42));
  BOOST_TEST(s.insert(42));
  BOOST_TEST(!s.insert(42));
  BOOST_TEST(s.contains(42));
  s.erase(42);
  BOOST_TEST(!s.contains(42));
  BOOST_TEST(s.size() == 0u);
  s.erase(42);  // absent: nothing happens
  BOOST_TEST(s.size() == 0u);
}

BOOST_AUTO_TEST_CASE(ids_sharing_a_home_slot_stay_findable_after_erasing_any_of_them) {
  // 32 slots at first: these ids all start probing at slot 3, and 35 wraps around to it.
  flat_id_set s;
  const std::uint64_t run[] = {3, 35, 67, 99, 4, 131};
  for (auto id : run)
    BOOST_TEST(s.insert(id));
  s.erase(35);
  for (auto id : run)
    BOOST_TEST(s.contains(id) == (id != 35), id);
  s.erase(3);
  BOOST_TEST(s.contains(131));
  BOOST_TEST(s.contains(4));
  BOOST_TEST(s.size() == 4u);
}

BOOST_AUTO_TEST_CASE(reserving_room_keeps_the_ids_held) {
  flat_id_set s;
  for (std::uint64_t id = 2; id < 12; ++id)
    s.insert(id);
  s.reserve(200);
  for (std::uint64_t id = 2; id < 202; ++id)
    BOOST_TEST(s.insert(id) == (id >= 12), id);
  for (std::uint64_t id = 2; id < 202; ++id)
    BOOST_TEST(s.contains(id), id);
  BOOST_TEST(!s.contains(202));
  BOOST_TEST(s.size() == 200u);
}

BOOST_AUTO_TEST_CASE(it_agrees_with_std_set_over_random_inserts_and_erases) {
  // Few distinct ids with low bits alike, so probe runs are long and wrap around.
  std::mt19937_64 rng(5);
  flat_id_set s;
  std::set<std::uint64_t> model;
  for (int step = 0; step < 20000; ++step) {
    std::uint64_t id = (2 + rng() % 300) << (rng() % 2 ? 0 : 5);  // 0 is stored as 1: not used
    if (rng() % 3 == 0) {
      s.erase(id);
      model.erase(id);
    } else {
      BOOST_TEST(s.insert(id) == model.insert(id).second, "step " << step << " id " << id);
    }
    BOOST_TEST(s.size() == model.size());
  }
  for (std::uint64_t id = 2; id < (302u << 5); ++id)
    BOOST_TEST(s.contains(id) == (model.count(id) != 0), id);
}

BOOST_AUTO_TEST_SUITE_END()
