#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <string>

#include "actors/key_table.hpp"

using cohort::actors::key_table;

namespace {

/// Every key of `model` is found with its value, every row is found as itself, and no
/// other key of the key space is found.
void check_agrees(key_table<int>& table, const std::map<std::string, int>& model, int keys) {
  BOOST_TEST(table.size() == model.size());
  for (int k = 0; k < keys; ++k) {
    auto key = "user-" + std::to_string(k);
    auto* value = table.find(key);
    auto it = model.find(key);
    BOOST_TEST_REQUIRE((value != nullptr) == (it != model.end()), key);
    if (value != nullptr)
      BOOST_TEST(*value == it->second, key);
  }
  for (auto& row : table.rows())
    BOOST_TEST(table.find(row.key) == &row.value, row.key);
}

} // namespace

BOOST_AUTO_TEST_SUITE(key_table_suite)

BOOST_AUTO_TEST_CASE(a_key_holds_its_value_until_erased) {
  key_table<int> table;
  BOOST_TEST(table.find("anna") == nullptr);
  BOOST_TEST(!table.erase("anna"));
  table.insert("anna") = 7;
  table.insert("bert") = 8;
  BOOST_TEST(*table.find("anna") == 7);
  BOOST_TEST(table.erase("anna"));
  BOOST_TEST(table.find("anna") == nullptr);
  BOOST_TEST(*table.find("bert") == 8);  // moved into anna's row, still found
  BOOST_TEST(table.size() == 1u);
}

BOOST_AUTO_TEST_CASE(find_or_insert_adds_a_key_once_and_then_finds_it) {
  key_table<int> table;
  auto [first, added] = table.find_or_insert("anna");
  BOOST_TEST(added);
  BOOST_TEST(*first == 0);  // new values are default-constructed
  *first = 7;
  auto [again, added_again] = table.find_or_insert("anna");
  BOOST_TEST(!added_again);
  BOOST_TEST(*again == 7);
  BOOST_TEST(table.size() == 1u);
}

BOOST_AUTO_TEST_CASE(it_agrees_with_std_map_over_random_inserts_and_erases) {
  // 300 keys in a table of at most 1024 slots: long probe runs that wrap around, erases
  // that shift them back, and growth while rows move.
  std::mt19937 rng(11);
  key_table<int> table;
  std::map<std::string, int> model;
  for (int step = 0; step < 20000; ++step) {
    auto key = "user-" + std::to_string(rng() % 300);
    auto choice = rng() % 6;
    if (choice < 2) {
      BOOST_TEST(table.erase(key) == (model.erase(key) == 1), "step " << step);
    } else if (choice == 2) {
      auto [value, added] = table.find_or_insert(key);
      BOOST_TEST(added == (model.count(key) == 0), "step " << step);
      *value = step;
      model[key] = step;
    } else if (auto* value = table.find(key)) {
      *value = step;
      model[key] = step;
    } else {
      table.insert(key) = step;
      model[key] = step;
    }
    if (step % 1000 == 0)
      check_agrees(table, model, 300);
  }
  check_agrees(table, model, 300);
}

BOOST_AUTO_TEST_SUITE_END()
