#include <boost/test/unit_test.hpp>

#include "codecs/hex.hpp"

using namespace cohort::codecs;

BOOST_AUTO_TEST_SUITE(hex_suite)

BOOST_AUTO_TEST_CASE(zero_padded_lowercase_of_the_width_asked) {
  BOOST_TEST(hex(0, 8) == "00000000");
  BOOST_TEST(hex(0xab, 8) == "000000ab");
  BOOST_TEST(hex(0xdeadbeef, 8) == "deadbeef");
  BOOST_TEST(hex(0xfedcba9876543210ULL, 16) == "fedcba9876543210");
  BOOST_TEST(hex(1, 16) == "0000000000000001");
}

// Stored names and keys keep their text: the width is the caller's, never the value's.
BOOST_AUTO_TEST_CASE(only_the_low_digits_of_a_wider_value) {
  BOOST_TEST(hex(0x123456789ULL, 8) == "23456789");
  BOOST_TEST(hex(0xffffffffffffffffULL, 16) == "ffffffffffffffff");
  BOOST_TEST(hex(0xff, 0).empty());
}

BOOST_AUTO_TEST_SUITE_END()
