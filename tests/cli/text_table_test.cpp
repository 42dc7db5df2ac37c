// cli/text_table: the tables cohortctl prints.
#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>

#include "cli/text_table.hpp"

using namespace cohort::cli;

BOOST_AUTO_TEST_SUITE(text_tables)

BOOST_AUTO_TEST_CASE(columns_align_by_characters) {
  text_table t({"user", "score"});
  t.right(1);
  t.add({"ünïcode", "5.0"});
  t.add({"b", "100.0"});
  BOOST_TEST(t.render() == "USER     SCORE\n"
                           "ünïcode    5.0\n"
                           "b        100.0\n");
}

BOOST_AUTO_TEST_CASE(no_trailing_spaces_and_missing_cells_are_empty) {
  text_table t({"a", "b"});
  t.add({"x"});
  BOOST_TEST(t.render() == "A  B\nx\n");
}

BOOST_AUTO_TEST_CASE(partition_lists_print_as_compact_ranges) {
  BOOST_TEST(compact_ranges({}) == "-");
  BOOST_TEST(compact_ranges({5}) == "5");
  BOOST_TEST(compact_ranges({3, 0, 2, 1}) == "0-3");
  BOOST_TEST(compact_ranges({0, 1, 2, 3, 6, 8, 9}) == "0-3,6,8-9");
  BOOST_TEST(compact_ranges({4, 4, 5}) == "4-5");
}

BOOST_AUTO_TEST_SUITE_END()
