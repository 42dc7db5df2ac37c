#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include "codecs/gzip.hpp"
#include "codecs/json_body.hpp"

using namespace cohort::codecs;

BOOST_AUTO_TEST_SUITE(gzip_suite)

std::string sample() {
  std::string s;
  for (int i = 0; i < 5000; ++i)
    s += "{\"event\":\"Product Viewed\",\"i\":" + std::to_string(i) + "}\n";
  return s;
}

BOOST_AUTO_TEST_CASE(round_trip) {
  const std::string plain = sample();
  const std::string packed = gzip(plain);
  BOOST_TEST(packed.size() < plain.size() / 4);
  BOOST_TEST(static_cast<unsigned char>(packed[0]) == 0x1f);  // gzip magic
  BOOST_TEST(static_cast<unsigned char>(packed[1]) == 0x8b);
  auto back = gunzip(packed, plain.size());
  BOOST_REQUIRE(back);
  BOOST_TEST(*back == plain);
}

BOOST_AUTO_TEST_CASE(inflated_bodies_have_room_to_be_parsed_in_place) {
  for (std::size_t size : {1, 100, 4096, 40000, 200000}) {
    const std::string plain = sample().substr(0, size);
    auto back = gunzip(gzip(plain), plain.size());
    BOOST_REQUIRE(back);
    BOOST_TEST(*back == plain);
    BOOST_TEST(back->capacity() - back->size() >= json_body_padding, "size " << size);
  }
}

BOOST_AUTO_TEST_CASE(empty_body_round_trips) {
  auto back = gunzip(gzip(""), 10);
  BOOST_REQUIRE(back);
  BOOST_TEST(back->empty());
}

BOOST_AUTO_TEST_CASE(zlib_streams_are_accepted_too) {
  const std::string plain = "hello zlib";
  uLongf len = compressBound(plain.size());
  std::string packed(len, '\0');
  BOOST_REQUIRE(compress(reinterpret_cast<Bytef*>(packed.data()), &len,
                         reinterpret_cast<const Bytef*>(plain.data()), plain.size()) == Z_OK);
  packed.resize(len);
  auto back = gunzip(packed, 100);
  BOOST_REQUIRE(back);
  BOOST_TEST(*back == plain);
}

BOOST_AUTO_TEST_CASE(concatenated_members_decode_as_one_body) {
  auto back = gunzip(gzip("abc") + gzip("def"), 100);
  BOOST_REQUIRE(back);
  BOOST_TEST(*back == "abcdef");
}

BOOST_AUTO_TEST_CASE(truncated_body_is_400) {
  const std::string packed = gzip(sample());
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, packed.size() / 2, packed.size() - 1}) {
    auto r = gunzip(std::string_view(packed).substr(0, cut), 1 << 20);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().status == 400);
    BOOST_TEST(r.error().reason == "truncated gzip body");
  }
}

BOOST_AUTO_TEST_CASE(corrupt_body_is_400) {
  auto r = gunzip("this is not gzip at all", 1000);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().status == 400);
  BOOST_TEST(r.error().reason.find("corrupt gzip body") == 0u);
}

BOOST_AUTO_TEST_CASE(zip_bomb_stops_at_the_limit) {
  // 64 MiB of zeros compresses to ~64 KiB; the limit is 1 MiB.
  const std::string bomb = gzip(std::string(64u << 20, '\0'));
  BOOST_TEST(bomb.size() < 100000u);
  auto r = gunzip(bomb, 1u << 20);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().status == 413);
  // Exactly at the limit is fine.
  auto ok = gunzip(gzip(std::string(1000, 'x')), 1000);
  BOOST_REQUIRE(ok);
  BOOST_TEST(ok->size() == 1000u);
  auto over = gunzip(gzip(std::string(1001, 'x')), 1000);
  BOOST_REQUIRE(!over);
  BOOST_TEST(over.error().status == 413);
}

BOOST_AUTO_TEST_SUITE_END()
