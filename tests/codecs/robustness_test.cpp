#include <boost/test/unit_test.hpp>

#include <random>

#include "codecs/event_types.hpp"
#include "codecs/gzip.hpp"
#include "codecs/json_body.hpp"
#include "codecs/native_decoder.hpp"
#include "codecs/segment_decoder.hpp"

using namespace cohort::codecs;

// Hostile or broken bodies must come back as a failure or rejections, never a crash; run
// under -DCOHORT_SANITIZE=ON this also checks memory safety.
BOOST_AUTO_TEST_SUITE(robustness_suite)

namespace {

const event_types types;
const decode_context ctx{1714564800000, &types, 32768};

std::string valid_msgpack() {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(1);
  pk.pack("events");
  pk.pack_array(2);
  pk.pack_map(3);
  pk.pack("event_type"); pk.pack("click");
  pk.pack("user_id"); pk.pack("u");
  pk.pack("nested"); pk.pack_map(1); pk.pack("a"); pk.pack_array(1); pk.pack(1.5);
  pk.pack("user=u event=x");
  return {buf.data(), buf.size()};
}

// The first n bytes of `full` as the HTTP server hands a body over: with room after it
// for in-place parsing, and the rest of `full` still in that room, which the decoder must
// not read as part of the body.
std::string in_place_prefix(const std::string& full, std::size_t n) {
  std::string body;
  body.reserve(full.size() + json_body_padding);
  body = full;
  body.resize(n);
  BOOST_TEST_REQUIRE(body.capacity() - body.size() >= json_body_padding);
  return body;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_prefix_of_valid_bodies) {
  const std::string segment =
      R"({"batch":[{"type":"track","userId":"u","event":"e","properties":{"a":[1,{"b":null}]}}]})";
  const std::string native = R"([{"event_type":"click","user_id":"u"},"user=u event=x"])";
  const std::string packed = valid_msgpack();
  std::size_t decoded = 0;
  for (std::size_t n = 0; n <= segment.size(); ++n) {
    decoded += bool(decode_segment(segment.substr(0, n), segment_call::batch, ctx));
    decoded += bool(decode_segment(in_place_prefix(segment, n), segment_call::batch, ctx));
  }
  for (std::size_t n = 0; n <= native.size(); ++n) {
    decoded += bool(decode_native(native.substr(0, n), native_format::json,
                                  default_mappings(), ctx));
    decoded += bool(decode_native(in_place_prefix(native, n), native_format::json,
                                  default_mappings(), ctx));
  }
  for (std::size_t n = 0; n <= packed.size(); ++n)
    decoded += bool(decode_native(packed.substr(0, n), native_format::msgpack,
                                  default_mappings(), ctx));
  BOOST_TEST(decoded == 5u);  // only the complete bodies decode, copied or in place
}

BOOST_AUTO_TEST_CASE(random_bytes) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 64);
  const std::string packed = valid_msgpack();
  for (int i = 0; i < 3000; ++i) {
    std::string junk(len(rng), '\0');
    for (auto& c : junk)
      c = static_cast<char>(byte(rng));
    decode_segment(junk, segment_call::batch, ctx);
    decode_native(junk, native_format::json, default_mappings(), ctx);
    decode_native(junk, native_format::msgpack, default_mappings(), ctx);
    gunzip(junk, 1 << 16);
    // Flipped bytes inside an otherwise valid msgpack body.
    std::string mutated = packed;
    mutated[static_cast<std::size_t>(i) % mutated.size()] = static_cast<char>(byte(rng));
    decode_native(mutated, native_format::msgpack, default_mappings(), ctx);
  }
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_not_overflowed) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = decode_native(deep, native_format::json, default_mappings(), ctx);
  BOOST_TEST(!r);
  std::string packed(100000, '\x91');  // fixarray of one, nested
  packed += '\xc0';
  auto m = decode_native(packed, native_format::msgpack, default_mappings(), ctx);
  BOOST_TEST(!m);
}

BOOST_AUTO_TEST_SUITE_END()
