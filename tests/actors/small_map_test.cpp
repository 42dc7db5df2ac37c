#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/small_map.hpp"

using cohort::actors::small_map;

namespace {

/// `from` packed, then read as a `To`: what a snapshot written by one and read by the
/// other sees.
template <class To, class From>
To repacked(const From& from) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, from);
  To to;
  msgpack::unpack(buf.data(), buf.size()).get().convert(to);
  return to;
}

} // namespace

BOOST_AUTO_TEST_SUITE(small_map_suite)

BOOST_AUTO_TEST_CASE(keys_stay_unique_and_in_order_whatever_the_insertion_order) {
  small_map<std::uint64_t> counts;
  for (const char* type : {"page_view", "cart_add", "page_view", "click", "cart_add", "page_view"})
    ++counts[type];
  std::map<std::string, std::uint64_t> expected{{"cart_add", 2}, {"click", 1}, {"page_view", 3}};
  BOOST_TEST(counts.to_map() == expected);
  std::vector<std::string> keys;
  for (const auto& [key, n] : counts)
    keys.push_back(key);
  BOOST_TEST(keys == (std::vector<std::string>{"cart_add", "click", "page_view"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(find_tells_a_missing_key_from_a_present_one) {
  small_map<std::uint64_t> counts;
  counts["b"] = 2;
  BOOST_TEST((counts.find("a") == counts.end()));
  BOOST_TEST((counts.find("c") == counts.end()));
  BOOST_REQUIRE((counts.find("b") != counts.end()));
  BOOST_TEST(counts.find("b")->second == 2u);
}

BOOST_AUTO_TEST_CASE(erase_returns_the_next_entry) {
  small_map<std::vector<std::int64_t>> times;
  times["a"].push_back(1);
  times["b"].push_back(2);
  times["c"].push_back(3);
  auto next = times.erase(times.begin() + 1);
  BOOST_TEST(next->first == "c");
  BOOST_TEST(times.size() == 2u);
}

BOOST_AUTO_TEST_CASE(it_reads_what_std_map_wrote_and_writes_what_std_map_reads) {
  // Snapshots written before this type held std::maps.
  std::map<std::string, std::vector<std::int64_t>> old{{"product_view", {1, 5}}, {"cart_add", {3}}};
  auto read = repacked<small_map<std::vector<std::int64_t>>>(old);
  BOOST_TEST(read.size() == 2u);
  BOOST_TEST((read.to_map() == old));
  BOOST_TEST((repacked<std::map<std::string, std::vector<std::int64_t>>>(read) == old));
}

BOOST_AUTO_TEST_CASE(anything_but_a_map_of_string_keys_is_a_type_error) {
  msgpack::sbuffer array;
  msgpack::pack(array, std::vector<int>{1, 2});
  small_map<std::uint64_t> m;
  BOOST_CHECK_THROW(msgpack::unpack(array.data(), array.size()).get().convert(m),
                    msgpack::type_error);
  msgpack::sbuffer int_keys;
  msgpack::pack(int_keys, std::map<int, std::uint64_t>{{1, 2}});
  BOOST_CHECK_THROW(msgpack::unpack(int_keys.data(), int_keys.size()).get().convert(m),
                    msgpack::type_error);
}

BOOST_AUTO_TEST_SUITE_END()
