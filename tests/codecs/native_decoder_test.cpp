#include <boost/test/unit_test.hpp>

#include "codecs/event_types.hpp"
#include "codecs/native_decoder.hpp"
#include "codecs/time.hpp"

using namespace cohort::codecs;

namespace {

const event_types types;
constexpr std::int64_t received = 1714564810000;

decode_context ctx(std::size_t max_message_bytes = 32768) {
  return decode_context{received, &types, max_message_bytes};
}

cohort::result<decoded_batch> decode(const std::string& body) {
  return decode_native(body, native_format::json, default_mappings(), ctx());
}

} // namespace

BOOST_AUTO_TEST_SUITE(native_decoder_suite)

BOOST_AUTO_TEST_CASE(web_shape) {
  auto r = decode(R"([{"event_type":"click","user_id":"u-1","timestamp":1714564800123,
      "session_id":"s-1","event_id":"e-7","path":"/products/42","duration":12.5,
      "x":100,"y":200,"button_id":"buy"}])");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->rejected.empty());
  BOOST_REQUIRE(r->events.size() == 1u);
  const auto& ev = r->events[0];
  BOOST_TEST(ev.call == "native");
  BOOST_TEST(ev.user_id == "u-1");
  BOOST_TEST(ev.type == "click");
  BOOST_TEST(ev.name == "click");
  BOOST_TEST(ev.timestamp_ms == 1714564800123);
  BOOST_TEST(ev.received_ms == received);
  BOOST_TEST(ev.session_id == "s-1");
  BOOST_TEST(ev.message_id == "s-1:e-7");
  // Every unmapped field lands in properties as is; mapped ones do not.
  BOOST_TEST(ev.properties.size() == 5u);
  BOOST_TEST(find(ev.properties, "path")->text == "/products/42");
  BOOST_TEST(find(ev.properties, "duration")->number == 12.5);
  BOOST_TEST(find(ev.properties, "x")->number == 100);
  BOOST_TEST(find(ev.properties, "y")->number == 200);
  BOOST_TEST(find(ev.properties, "button_id")->text == "buy");
  BOOST_TEST(!find(ev.properties, "user_id"));
  BOOST_TEST(!find(ev.properties, "event_type"));
}

BOOST_AUTO_TEST_CASE(mobile_shape_renames_touch_coordinates) {
  auto r = decode(R"({"events":[{"action":"Product Viewed","user_id":77,"timestamp":"1714564800000",
      "session_id":"s-2","event_id":"e-1","touch_coordinates":{"x":10.5,"y":20},
      "device":{"os":"android"}}],"writeKey":"k"})");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->write_key == "k");
  BOOST_REQUIRE(r->events.size() == 1u);
  const auto& ev = r->events[0];
  BOOST_TEST(ev.user_id == "77");
  BOOST_TEST(ev.type == "product_view");
  BOOST_TEST(ev.name == "Product Viewed");
  BOOST_TEST(ev.timestamp_ms == 1714564800000);  // numeric string in ms
  BOOST_TEST(ev.message_id == "s-2:e-1");
  BOOST_TEST(find(ev.properties, "x")->number == 10.5);
  BOOST_TEST(find(ev.properties, "y")->number == 20);
  BOOST_TEST(find(ev.properties, "device.os")->text == "android");
  BOOST_TEST(!find(ev.properties, "touch_coordinates.x"));
  BOOST_TEST(ev.properties.size() == 3u);
}

BOOST_AUTO_TEST_CASE(server_log_line_shape) {
  auto r = decode(R"([
    "2024-05-01T12:00:00.250Z user=u-9 event=purchase session=s-3 id=17 amount=49.90 note=\"two words \\\"q\\\"\" INFO",
    "[2024-05-01T12:00:00Z] user=007 event=add_to_cart",
    "user=u-1 event=search"])");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->rejected.empty());
  BOOST_REQUIRE(r->events.size() == 3u);
  const auto& a = r->events[0];
  BOOST_TEST(a.user_id == "u-9");
  BOOST_TEST(a.type == "purchase");
  BOOST_TEST(a.timestamp_ms == *parse_iso8601("2024-05-01T12:00:00.250Z"));
  BOOST_TEST(a.session_id == "s-3");
  BOOST_TEST(a.message_id == "s-3:17");
  BOOST_TEST(find(a.properties, "amount")->text == "49.90");  // no exact round trip: text
  BOOST_TEST(find(a.properties, "note")->text == "two words \"q\"");
  BOOST_TEST(find(a.properties, "log_line")->text.rfind("2024-05-01T12:00:00.250Z user=u-9", 0) == 0u);
  BOOST_TEST(!find(a.properties, "INFO"));
  BOOST_TEST(r->events[1].user_id == "007");  // leading zeros survive
  BOOST_TEST(r->events[1].timestamp_ms == *parse_iso8601("2024-05-01T12:00:00Z"));
  BOOST_TEST(r->events[2].timestamp_ms == received);  // no time: received
  BOOST_TEST(r->events[2].message_id == "");
}

BOOST_AUTO_TEST_CASE(log_line_values_are_typed) {
  auto r = decode(R"(["user=u event=scroll scroll_depth=75 ratio=0.5 ok=true big=12345678901234567890"])");
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 1u);
  const auto& p = r->events[0].properties;
  BOOST_TEST((find(p, "scroll_depth")->type == value::kind::number));
  BOOST_TEST(find(p, "scroll_depth")->number == 75);
  BOOST_TEST(find(p, "ratio")->number == 0.5);
  BOOST_TEST((find(p, "ok")->type == value::kind::boolean));
  BOOST_TEST(find(p, "big")->text == "12345678901234567890");
}

BOOST_AUTO_TEST_CASE(msgpack_body_takes_the_same_path) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(3);
  pk.pack_map(5);
  pk.pack("event_type"); pk.pack("scroll");
  pk.pack("user_id"); pk.pack("u-5");
  pk.pack("timestamp"); pk.pack(std::int64_t{1714564800999});
  pk.pack("event_id"); pk.pack(std::uint64_t{9007199254740993ULL});  // > 2^53
  pk.pack("meta"); pk.pack_map(1); pk.pack("tags"); pk.pack_array(2); pk.pack("a"); pk.pack(true);
  pk.pack("user=u-6 event=click");
  pk.pack(42);
  auto r = decode_native({buf.data(), buf.size()}, native_format::msgpack, default_mappings(), ctx());
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 2u);
  const auto& ev = r->events[0];
  BOOST_TEST(ev.user_id == "u-5");
  BOOST_TEST(ev.type == "scroll");
  BOOST_TEST(ev.timestamp_ms == 1714564800999);
  BOOST_TEST(ev.message_id == "9007199254740993");  // no session: event id alone, exact
  BOOST_TEST(find(ev.properties, "meta.tags.0")->text == "a");
  BOOST_TEST(find(ev.properties, "meta.tags.1")->number == 1);
  BOOST_TEST(r->events[1].user_id == "u-6");
  BOOST_REQUIRE(r->rejected.size() == 1u);
  BOOST_TEST(r->rejected[0].index == 2u);
  BOOST_TEST(r->rejected[0].reason == "record must be a map or a log line string");
  BOOST_TEST(r->rejected[0].raw == "42");
}

BOOST_AUTO_TEST_CASE(invalid_msgpack_is_400) {
  const std::string truncated = "\x93\xa1" "a";  // array of 3 with one element
  const std::string huge_claim = "\xdd\xff\xff\xff\xff";  // array32 claiming 4G elements
  const std::string trailing = "\x90\x90";
  for (const auto& body : {truncated, huge_claim, trailing, std::string()}) {
    auto r = decode_native(body, native_format::msgpack, default_mappings(), ctx());
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().status == 400);
    BOOST_TEST(r.error().reason.find("invalid msgpack") == 0u);
  }
  msgpack::sbuffer buf;
  msgpack::pack(buf, std::string("just a string"));
  auto r = decode_native({buf.data(), buf.size()}, native_format::msgpack, default_mappings(), ctx());
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().status == 400);
}

BOOST_AUTO_TEST_CASE(message_id_composition) {
  auto r = decode(R"([
    {"event_type":"click","user_id":"u","session_id":"s","event_id":"e"},
    {"event_type":"click","user_id":"u","event_id":5},
    {"event_type":"click","user_id":"u","session_id":"s"},
    {"event_type":"click","user_id":"u"}])");
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 4u);
  BOOST_TEST(r->events[0].message_id == "s:e");
  BOOST_TEST(r->events[1].message_id == "5");
  BOOST_TEST(r->events[2].message_id == "");
  BOOST_TEST(r->events[2].session_id == "s");
  BOOST_TEST(r->events[3].message_id == "");
}

BOOST_AUTO_TEST_CASE(rejections_name_the_rule_and_field) {
  auto r = decode(R"([
    {"event_type":"click"},
    {"foo":1},
    {"event_type":"","user_id":"u"},
    {"event_type":"click","user_id":"u","timestamp":"noon"},
    "2024-05-01T12:00:00Z event=click",
    17])");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->events.empty());
  BOOST_REQUIRE(r->rejected.size() == 6u);
  BOOST_TEST(r->rejected[0].reason == "rule \"web\": missing user id (user_id)");
  BOOST_TEST(r->rejected[1].reason == "no mapping rule matches (tried mobile, web, server_log)");
  BOOST_TEST(r->rejected[1].raw == R"({"foo":1})");
  BOOST_TEST(r->rejected[2].reason == "rule \"web\": missing type (event_type)");
  BOOST_TEST(r->rejected[3].reason == "rule \"web\": timestamp is not Unix milliseconds");
  BOOST_TEST(r->rejected[4].reason == "rule \"server_log\": missing user id (user)");
  BOOST_TEST(r->rejected[5].reason == "record must be an object or a log line string");
  for (std::size_t i = 0; i < 6; ++i)
    BOOST_TEST(r->rejected[i].index == i);
}

BOOST_AUTO_TEST_CASE(custom_rules_with_values_units_and_fixed_types) {
  mapping_rule rule;
  rule.name = "pos";
  rule.when = {"source=pos", "basket"};
  rule.user_id = "customer";
  rule.anonymous_id = "terminal";
  rule.type_value = "purchase";
  rule.timestamp = "at";
  rule.unit = time_unit::s;
  rule.properties = {{"items", "basket"}};
  const std::vector<mapping_rule> rules{rule};
  auto r = decode_native(R"([
      {"source":"pos","terminal":"t-1","at":1714564800.5,"basket":[{"sku":"a"}],"store":3},
      {"source":"web","terminal":"t-1","basket":[]}])",
                         native_format::json, rules, ctx());
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 1u);
  const auto& ev = r->events[0];
  BOOST_TEST(ev.user_id == "");
  BOOST_TEST(ev.anonymous_id == "t-1");
  BOOST_TEST(ev.type == "purchase");
  BOOST_TEST(ev.timestamp_ms == 1714564800500);
  BOOST_TEST(find(ev.properties, "items.0.sku")->text == "a");
  BOOST_TEST(find(ev.properties, "store")->number == 3);
  BOOST_TEST(find(ev.properties, "source")->text == "pos");
  BOOST_REQUIRE(r->rejected.size() == 1u);
  BOOST_TEST(r->rejected[0].reason == "no mapping rule matches (tried pos)");
}

BOOST_AUTO_TEST_CASE(whole_body_failures_and_size_limit) {
  auto bad = decode("{not json");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().status == 400);
  BOOST_TEST(bad.error().reason.find("malformed JSON") == 0u);
  auto shape = decode(R"({"records":[]})");
  BOOST_REQUIRE(!shape);
  BOOST_TEST(shape.error().status == 400);

  const std::string body = R"([{"event_type":"click","user_id":"u"},{"event_type":"click","user_id":"u","pad":")" +
                           std::string(200, 'p') + R"("}])";
  auto r = decode_native(body, native_format::json, default_mappings(), ctx(100));
  BOOST_REQUIRE(r);
  BOOST_TEST(r->events.size() == 1u);
  BOOST_REQUIRE(r->rejected.size() == 1u);
  BOOST_TEST(r->rejected[0].index == 1u);
  BOOST_TEST(r->rejected[0].reason == "record exceeds 100 bytes");
}

BOOST_AUTO_TEST_SUITE_END()
