#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "codecs/json_writer.hpp"

using namespace cohort::codecs;

BOOST_AUTO_TEST_SUITE(json_writer_suite)

BOOST_AUTO_TEST_CASE(escapes_quotes_backslashes_and_controls) {
  BOOST_TEST(json_quote("a\"b\\c") == R"("a\"b\\c")");
  BOOST_TEST(json_quote("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  BOOST_TEST(json_quote(std::string_view("\x01\x1f\0", 3)) == R"("\u0001\u001f\u0000")");
  BOOST_TEST(json_quote("/") == R"("/")");
}

BOOST_AUTO_TEST_CASE(utf8_passes_through_and_broken_bytes_are_replaced) {
  BOOST_TEST(json_quote("café ✓ 😀") == "\"café ✓ 😀\"");
  BOOST_TEST(json_quote("a\xff" "b") == R"("a\ufffdb")");
  BOOST_TEST(json_quote("\xc3") == R"("\ufffd")");             // truncated sequence
  BOOST_TEST(json_quote("\xc0\xaf") == R"("\ufffd\ufffd")");   // overlong '/'
  BOOST_TEST(json_quote("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");  // surrogate
}

BOOST_AUTO_TEST_CASE(compact_structure_with_commas) {
  json_writer w;
  w.begin_object()
      .key("s").value("x")
      .key("i").value(42)
      .key("neg").value(std::int64_t{-7})
      .key("u").value(std::uint64_t{18446744073709551615ULL})
      .key("b").value(true)
      .key("n").null()
      .key("a").begin_array().value(1).begin_object().end_object().begin_array().end_array().value(false).end_array()
      .key("r").raw(R"({"x":[1]})")
      .end_object();
  BOOST_TEST(w.str() ==
             R"({"s":"x","i":42,"neg":-7,"u":18446744073709551615,"b":true,"n":null,)"
             R"("a":[1,{},[],false],"r":{"x":[1]}})");
}

BOOST_AUTO_TEST_CASE(doubles_shortest_and_integral) {
  const auto one = [](double d) {
    json_writer w;
    w.value(d);
    return w.take();
  };
  BOOST_TEST(one(3.0) == "3");
  BOOST_TEST(one(1000000.0) == "1000000");
  BOOST_TEST(one(-0.5) == "-0.5");
  BOOST_TEST(one(0.1) == "0.1");
  BOOST_TEST(one(1714564800123.0) == "1714564800123");
  BOOST_TEST(std::stod(one(1.0 / 3)) == 1.0 / 3);
  BOOST_TEST(one(1e300) == "1e+300");
  BOOST_TEST(one(std::nan("")) == "null");
  BOOST_TEST(one(std::numeric_limits<double>::infinity()) == "null");
}

BOOST_AUTO_TEST_CASE(values_and_attribute_objects) {
  attributes attrs{{"a.b", value::of_number(1.5)}, {"flag", value::of_bool(false)},
                   {"none", value{}}, {"s", value::of_string("q\"")}};
  json_writer w;
  w.begin_array().attributes_object(attrs).attributes_object({}).end_array();
  BOOST_TEST(w.str() == R"([{"a.b":1.5,"flag":false,"none":null,"s":"q\""},{}])");
}

BOOST_AUTO_TEST_SUITE_END()
