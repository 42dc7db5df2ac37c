#include <boost/test/unit_test.hpp>

#include "codecs/event_types.hpp"
#include "codecs/segment_decoder.hpp"
#include "codecs/time.hpp"

using namespace cohort::codecs;

namespace {

const event_types types;
const std::int64_t received = *parse_iso8601("2024-05-01T12:00:10Z");

decode_context ctx(std::size_t max_message_bytes = 32768) {
  return decode_context{received, &types, max_message_bytes};
}

const value* prop(const attributes& attrs, std::string_view key) { return find(attrs, key); }

} // namespace

BOOST_AUTO_TEST_SUITE(segment_decoder_suite)

BOOST_AUTO_TEST_CASE(track_message_fields_and_nested_context) {
  const std::string body = R"({"batch":[{
    "type":"track","messageId":"m-1","userId":"u-1","anonymousId":"a-1",
    "event":"Product Added",
    "properties":{"price":19.5,"products":[{"id":"sku-1","qty":2},{"id":"sku-2"}],"gift":true,"note":null},
    "context":{"device":{"type":"ios","model":"iPhone"},"page":{"path":"/p/1"},"userAgent":"UA","ip":"1.2.3.4"},
    "timestamp":"2024-05-01T12:00:00Z"}],
    "writeKey":"demo-key"})";
  auto r = decode_segment(body, segment_call::batch, ctx());
  BOOST_REQUIRE(r);
  BOOST_TEST(r->write_key == "demo-key");
  BOOST_TEST(r->rejected.empty());
  BOOST_REQUIRE(r->events.size() == 1u);
  const auto& ev = r->events[0];
  BOOST_TEST(ev.message_id == "m-1");
  BOOST_TEST(ev.user_id == "u-1");
  BOOST_TEST(ev.anonymous_id == "a-1");
  BOOST_TEST(ev.call == "track");
  BOOST_TEST(ev.type == "add_to_cart");
  BOOST_TEST(ev.name == "Product Added");
  BOOST_TEST(ev.timestamp_ms == *parse_iso8601("2024-05-01T12:00:00Z"));
  BOOST_TEST(ev.received_ms == received);
  BOOST_TEST(prop(ev.properties, "price")->number == 19.5);
  BOOST_TEST(prop(ev.properties, "products.0.id")->text == "sku-1");
  BOOST_TEST(prop(ev.properties, "products.0.qty")->number == 2);
  BOOST_TEST(prop(ev.properties, "products.1.id")->text == "sku-2");
  BOOST_TEST((prop(ev.properties, "gift")->type == value::kind::boolean));
  BOOST_TEST((prop(ev.properties, "note")->type == value::kind::null));
  BOOST_TEST(prop(ev.context, "device.type")->text == "ios");
  BOOST_TEST(prop(ev.context, "device.model")->text == "iPhone");
  BOOST_TEST(prop(ev.context, "page.path")->text == "/p/1");
  BOOST_TEST(prop(ev.context, "userAgent")->text == "UA");
  BOOST_TEST(prop(ev.context, "ip")->text == "1.2.3.4");
  BOOST_TEST(ev.context.size() == 5u);
}

BOOST_AUTO_TEST_CASE(page_screen_identify_alias_group) {
  const std::string body = R"({"batch":[
    {"type":"page","anonymousId":"a","name":"Home","properties":{"path":"/"}},
    {"type":"screen","userId":"u","name":"Cart"},
    {"type":"identify","userId":"u","traits":{"email":"x@y.z","plan":{"tier":"pro"}}},
    {"type":"alias","userId":"u","previousId":"a"},
    {"type":"group","userId":"u","groupId":"g-1","traits":{"size":10}},
    {"type":"track","userId":"u","event":"Video Played"}]})";
  auto r = decode_segment(body, segment_call::batch, ctx());
  BOOST_REQUIRE(r);
  BOOST_TEST(r->rejected.empty());
  BOOST_REQUIRE(r->events.size() == 6u);
  const auto& e = r->events;
  BOOST_TEST(e[0].call == "page");
  BOOST_TEST(e[0].type == "page_view");
  BOOST_TEST(e[0].name == "Home");
  BOOST_TEST(e[0].user_key() == "a");
  BOOST_TEST(prop(e[0].properties, "path")->text == "/");
  BOOST_TEST(e[1].call == "screen");
  BOOST_TEST(e[1].type == "page_view");
  BOOST_TEST(e[1].name == "Cart");
  BOOST_TEST(e[2].type == "identify");
  BOOST_TEST(prop(e[2].traits, "plan.tier")->text == "pro");
  BOOST_TEST(e[3].type == "alias");
  BOOST_TEST(e[3].previous_id == "a");
  BOOST_TEST(e[4].type == "group");
  BOOST_TEST(prop(e[4].properties, "groupId")->text == "g-1");
  BOOST_TEST(prop(e[4].traits, "size")->number == 10);
  BOOST_TEST(e[5].type == "Video Played");  // unknown names keep their own
  BOOST_TEST(e[5].timestamp_ms == received);  // no time at all: receivedAt
}

BOOST_AUTO_TEST_CASE(an_identify_with_its_traits_only_in_context_uses_those) {
  // RudderStack's JavaScript SDK: identify("u", {email}) sends context.traits only.
  auto r = decode_segment(R"({"type":"identify","userId":"u",
    "context":{"traits":{"email":"a@example.com","plan":"pro"},"locale":"en"}})",
                          segment_call::identify, ctx());
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 1u);
  const auto* email = prop(r->events[0].traits, "email");
  BOOST_REQUIRE(email != nullptr);
  BOOST_TEST(email->text == "a@example.com");
  BOOST_TEST(prop(r->events[0].traits, "plan")->text == "pro");
  BOOST_TEST(prop(r->events[0].traits, "locale") == nullptr);
  // Own traits win; other calls keep context.traits as context only.
  auto own = decode_segment(R"({"type":"identify","userId":"u","traits":{"email":"b@example.com"},
    "context":{"traits":{"email":"a@example.com"}}})", segment_call::identify, ctx());
  BOOST_TEST(prop(own->events[0].traits, "email")->text == "b@example.com");
  auto track = decode_segment(R"({"type":"track","userId":"u","event":"e",
    "context":{"traits":{"email":"a@example.com"}}})", segment_call::track, ctx());
  BOOST_TEST(track->events[0].traits.empty());
}

BOOST_AUTO_TEST_CASE(clock_skew_correction) {
  // Device clock 1 h fast: event at 13:00:00 by it, sent at 13:00:05 by it. Received at
  // 12:00:10 true time, so the event happened 5 s before: 12:00:05.
  const std::string body = R"({"batch":[
    {"type":"track","userId":"u","event":"e","originalTimestamp":"2024-05-01T13:00:00Z",
     "timestamp":"2024-05-01T13:00:00Z"},
    {"type":"track","userId":"u","event":"e","originalTimestamp":"2024-05-01T13:00:00Z",
     "sentAt":"2024-05-01T13:00:07.5Z"},
    {"type":"track","userId":"u","event":"e","timestamp":"2024-05-01T11:00:00Z"},
    {"type":"track","userId":"u","event":"e","originalTimestamp":"2024-05-01T11:30:00Z"}],
    "sentAt":"2024-05-01T13:00:05Z"})";
  auto r = decode_segment(body, segment_call::batch, ctx());
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 4u);
  BOOST_TEST(r->events[0].timestamp_ms == received - 5000);  // batch sentAt
  BOOST_TEST(r->events[1].timestamp_ms == received - 7500);  // message sentAt overrides
  BOOST_TEST(r->events[2].timestamp_ms == *parse_iso8601("2024-05-01T11:00:00Z"));
  // originalTimestamp with the batch sentAt is corrected too: 13:00:05 - 11:30:00.
  BOOST_TEST(r->events[3].timestamp_ms == received - (90 * 60 + 5) * 1000);
}

BOOST_AUTO_TEST_CASE(mixed_batch_reports_rejections_with_indexes) {
  const std::string body = R"({"batch":[
    {"type":"track","userId":"u","event":"ok"},
    {"type":"track","event":"no user"},
    {"type":"track","userId":"u"},
    {"type":"alias","userId":"u"},
    {"type":"fly","userId":"u"},
    "not an object",
    {"type":"track","userId":"u","event":"e","timestamp":"yesterday"},
    {"userId":"u","event":"e"},
    {"type":"page","userId":42},
    {"type":"track","userId":"u","event":"e","properties":[1,2]},
    {"type":"identify","userId":{"id":1}},
    {"type":"group","userId":"u"}]})";
  auto r = decode_segment(body, segment_call::batch, ctx());
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 2u);
  BOOST_TEST(r->events[0].name == "ok");
  BOOST_TEST(r->events[1].user_id == "42");  // numeric userId becomes its decimal text
  const std::vector<std::pair<std::size_t, std::string>> expected = {
      {1, "missing userId or anonymousId"},
      {2, "track requires a non-empty event"},
      {3, "alias requires previousId"},
      {4, "type must be track, page, screen, identify, alias or group"},
      {5, "message must be a JSON object"},
      {6, "timestamp is not an ISO 8601 time"},
      {7, "missing type"},
      {9, "properties must be an object"},
      {10, "userId must be a string"},
      {11, "group requires groupId"},
  };
  BOOST_REQUIRE(r->rejected.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST(r->rejected[i].index == expected[i].first);
    BOOST_TEST(r->rejected[i].reason == expected[i].second);
  }
  BOOST_TEST(r->rejected[0].raw == R"({"type":"track","event":"no user"})");
  BOOST_TEST(r->rejected[4].raw == R"("not an object")");
}

BOOST_AUTO_TEST_CASE(single_call_endpoints_imply_the_type) {
  auto r = decode_segment(
      R"({"userId":"u","event":"Order Completed","type":"page","writeKey":"k",
          "originalTimestamp":"2024-05-01T12:00:00Z","sentAt":"2024-05-01T12:00:02Z"})",
      segment_call::track, ctx());
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 1u);
  BOOST_TEST(r->events[0].call == "track");  // the endpoint wins over a body `type`
  BOOST_TEST(r->events[0].type == "purchase");
  BOOST_TEST(r->events[0].timestamp_ms == received - 2000);
  BOOST_TEST(r->write_key == "k");

  auto bad = decode_segment(R"({"anonymousId":"a"})", segment_call::alias, ctx());
  BOOST_REQUIRE(bad);
  BOOST_TEST(bad->events.empty());
  BOOST_REQUIRE(bad->rejected.size() == 1u);
  BOOST_TEST(bad->rejected[0].index == 0u);
  BOOST_TEST(bad->rejected[0].reason == "alias requires previousId");
}

BOOST_AUTO_TEST_CASE(batch_context_merges_under_message_context) {
  auto r = decode_segment(
      R"({"batch":[{"type":"track","userId":"u","event":"e","context":{"ip":"9.9.9.9"}}],
          "context":{"ip":"1.1.1.1","library":{"name":"rudder"}}})",
      segment_call::batch, ctx());
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 1u);
  BOOST_TEST(prop(r->events[0].context, "ip")->text == "9.9.9.9");
  BOOST_TEST(prop(r->events[0].context, "library.name")->text == "rudder");
}

BOOST_AUTO_TEST_CASE(oversized_message_is_rejected) {
  const std::string big(300, 'x');
  const std::string body = R"({"batch":[{"type":"track","userId":"u","event":"small"},)"
                           R"({"type":"track","userId":"u","event":")" + big + R"("}]})";
  auto r = decode_segment(body, segment_call::batch, ctx(200));
  BOOST_REQUIRE(r);
  BOOST_TEST(r->events.size() == 1u);
  BOOST_REQUIRE(r->rejected.size() == 1u);
  BOOST_TEST(r->rejected[0].index == 1u);
  BOOST_TEST(r->rejected[0].reason == "message exceeds 200 bytes");
}

BOOST_AUTO_TEST_CASE(whole_body_failures) {
  auto malformed = decode_segment(R"({"batch":[{"type":"track",}]})", segment_call::batch, ctx());
  BOOST_REQUIRE(!malformed);
  BOOST_TEST(malformed.error().status == 400);
  BOOST_TEST(malformed.error().reason.find("malformed JSON: ") == 0u);

  auto empty = decode_segment("", segment_call::batch, ctx());
  BOOST_REQUIRE(!empty);
  BOOST_TEST(empty.error().status == 400);

  for (const char* body : {R"({"sentAt":"2024-05-01T12:00:00Z"})", R"({"batch":{}})"}) {
    auto r = decode_segment(body, segment_call::batch, ctx());
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().status == 400);
    BOOST_TEST(r.error().reason == "batch must be an array");
  }

  auto array = decode_segment("[1,2]", segment_call::track, ctx());
  BOOST_REQUIRE(!array);
  BOOST_TEST(array.error().reason == "body must be a JSON object");

  auto sent = decode_segment(R"({"batch":[],"sentAt":"soon"})", segment_call::batch, ctx());
  BOOST_REQUIRE(!sent);
  BOOST_TEST(sent.error().reason == "sentAt is not an ISO 8601 time");
}

BOOST_AUTO_TEST_CASE(fields_in_any_order_the_first_of_a_repeated_key_and_null_as_absent) {
  const std::string body = R"({"batch":[
    {"context":{"ip":"1.2.3.4"},"custom":1,"event":"Product Viewed","userId":null,
     "anonymousId":"a1","type":"track","event":"Order Completed","messageId":"m1"},
    {"type":"track","userId":"u2","event":null},
    {"type":"page","userId":"u3","batch":[],"writeKey":"k","name":null}],
    "batch":{}, "writeKey":"w1"})";
  auto r = decode_segment(body, segment_call::batch, ctx());
  BOOST_REQUIRE(r);
  BOOST_TEST(r->write_key == "w1");
  BOOST_REQUIRE(r->events.size() == 2u);
  const auto& first = r->events[0];
  BOOST_TEST(first.name == "Product Viewed");
  BOOST_TEST(first.type == "product_view");
  BOOST_TEST(first.user_id.empty());
  BOOST_TEST(first.anonymous_id == "a1");
  BOOST_TEST(first.message_id == "m1");
  BOOST_TEST(prop(first.context, "ip")->text == "1.2.3.4");
  BOOST_TEST(r->events[1].user_id == "u3");
  BOOST_TEST(r->events[1].name.empty());
  BOOST_REQUIRE(r->rejected.size() == 1u);
  BOOST_TEST(r->rejected[0].index == 1u);
  BOOST_TEST(r->rejected[0].reason == "track requires a non-empty event");
}

BOOST_AUTO_TEST_CASE(custom_aliases_apply) {
  event_types custom;
  custom.add_alias("Bought", "purchase");
  decode_context c{received, &custom, 32768};
  auto r = decode_segment(R"({"userId":"u","event":"Bought"})", segment_call::track, c);
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->events.size() == 1u);
  BOOST_TEST(r->events[0].type == "purchase");
}

BOOST_AUTO_TEST_SUITE_END()
