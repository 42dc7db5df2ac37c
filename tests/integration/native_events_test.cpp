// POST /v1/events: raw web, mobile and server-log shapes, as JSON and as msgpack.
#include <boost/test/unit_test.hpp>
#include <msgpack.hpp>

#include "test_support.hpp"

using namespace cohort::it;

namespace {

constexpr std::int64_t may_first_noon_ms = 1714564800000;  // 2024-05-01T12:00:00Z

std::string web_event(const std::string& user, const std::string& event_id) {
  return R"({"event_type":"click","user_id":")" + user +
         R"(","timestamp":1714564800000,"path":"/p","x":1,"y":2,"button_id":"b","session_id":"s1","event_id":")" +
         event_id + "\"}";
}

std::string mobile_event(const std::string& user, const std::string& event_id) {
  return R"({"action":"tap","user_id":")" + user +
         R"(","timestamp":1714564800000,"touch_coordinates":{"x":1,"y":2},"session_id":"s","event_id":")" +
         event_id + "\"}";
}

std::string log_line(const std::string& user, const std::string& id) {
  return quote("2024-05-01T12:00:00Z user=" + user + " event=page_view path=/home session=s9 id=" + id);
}

http_response post_native(http_client& client, std::string body, const std::string& content_type) {
  return client.request("POST", "/v1/events", std::move(body),
                        {{"Content-Type", content_type}, {"Authorization", basic_auth("test-key")}});
}

/// The only recent event of a one-event profile has the given event time.
void check_event_time(const json_doc& p, std::int64_t expected_ms) {
  auto events = p.items("/recentEvents");
  BOOST_TEST_REQUIRE(events.size() == 1u, p.text());
  auto ts = string_field(events[0], "timestamp");
  BOOST_TEST_REQUIRE(ts.has_value(), p.text());
  BOOST_TEST(parse_iso8601_ms(*ts) == std::optional<std::int64_t>(expected_ms), *ts);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(native_events, server_fixture)

BOOST_AUTO_TEST_CASE(json_array_of_web_mobile_and_log_shapes) {
  const std::string web_user = unique_id("web");
  const std::string mobile_user = unique_id("mobile");
  const std::string log_user = unique_id("log");
  auto res = post_native(client,
                         "[" + web_event(web_user, "e1") + "," + mobile_event(mobile_user, "e2") + "," +
                             log_line(log_user, "7") + "]",
                         "application/json");
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  BOOST_TEST(json_doc(res.body).bool_at("/success") == std::optional<bool>(true), res.body);

  auto web = wait_for_profile(client, web_user, [](const json_doc& p) { return event_count(p, "click") == 1; });
  BOOST_TEST_REQUIRE(web.satisfied, "web: " << web.status << " " << web.body);
  check_event_time(*web.doc, may_first_noon_ms);
  auto e = web.doc->items("/recentEvents").at(0);
  auto path = e["properties"]["path"].get_string();
  auto button = e["properties"]["button_id"].get_string();
  BOOST_TEST((!path.error() && path.value_unsafe() == "/p"), "path not kept: " << web.body);
  BOOST_TEST((!button.error() && button.value_unsafe() == "b"), "button_id not kept: " << web.body);

  auto mobile = wait_for_profile(client, mobile_user,
                                 [](const json_doc& p) { return total_event_count(p) == 1; });
  BOOST_TEST_REQUIRE(mobile.satisfied, "mobile: " << mobile.status << " " << mobile.body);
  check_event_time(*mobile.doc, may_first_noon_ms);

  auto log = wait_for_profile(client, log_user,
                              [](const json_doc& p) { return event_count(p, "page_view") == 1; });
  BOOST_TEST_REQUIRE(log.satisfied, "log line: " << log.status << " " << log.body);
  check_event_time(*log.doc, may_first_noon_ms);
}

BOOST_AUTO_TEST_CASE(events_wrapper_object) {
  const std::string user = unique_id("wrapped");
  auto res = post_native(client, R"({"events":[)" + web_event(user, "w1") + "," + web_event(user, "w2") + "]}",
                         "application/json");
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  auto poll = wait_for_profile(client, user, [](const json_doc& p) { return event_count(p, "click") == 2; });
  BOOST_TEST(poll.satisfied, poll.status << " " << poll.body);
}

BOOST_AUTO_TEST_CASE(msgpack_body) {
  const std::string web_user = unique_id("mp-web");
  const std::string mobile_user = unique_id("mp-mobile");
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(&buf);
  pk.pack_array(2);
  pk.pack_map(9);
  pk.pack(std::string("event_type")), pk.pack(std::string("click"));
  pk.pack(std::string("user_id")), pk.pack(web_user);
  pk.pack(std::string("timestamp")), pk.pack(std::int64_t{may_first_noon_ms});
  pk.pack(std::string("path")), pk.pack(std::string("/p"));
  pk.pack(std::string("x")), pk.pack(1);
  pk.pack(std::string("y")), pk.pack(2);
  pk.pack(std::string("button_id")), pk.pack(std::string("b"));
  pk.pack(std::string("session_id")), pk.pack(std::string("s1"));
  pk.pack(std::string("event_id")), pk.pack(std::string("mp1"));
  pk.pack_map(6);
  pk.pack(std::string("action")), pk.pack(std::string("tap"));
  pk.pack(std::string("user_id")), pk.pack(mobile_user);
  pk.pack(std::string("timestamp")), pk.pack(std::int64_t{may_first_noon_ms + 1000});
  pk.pack(std::string("touch_coordinates"));
  pk.pack_map(2);
  pk.pack(std::string("x")), pk.pack(1.5);
  pk.pack(std::string("y")), pk.pack(2);
  pk.pack(std::string("session_id")), pk.pack(std::string("s"));
  pk.pack(std::string("event_id")), pk.pack(std::string("mp2"));

  auto res = post_native(client, std::string(buf.data(), buf.size()), "application/msgpack");
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);

  auto web = wait_for_profile(client, web_user, [](const json_doc& p) { return event_count(p, "click") == 1; });
  BOOST_TEST_REQUIRE(web.satisfied, web.status << " " << web.body);
  check_event_time(*web.doc, may_first_noon_ms);
  auto mobile = wait_for_profile(client, mobile_user,
                                 [](const json_doc& p) { return total_event_count(p) == 1; });
  BOOST_TEST_REQUIRE(mobile.satisfied, mobile.status << " " << mobile.body);
  check_event_time(*mobile.doc, may_first_noon_ms + 1000);
}

BOOST_AUTO_TEST_CASE(malformed_msgpack_is_400) {
  auto res = post_native(client, std::string("\xc1\xc1\xc1", 3), "application/msgpack");
  BOOST_TEST(res.status == 400, res.status << " " << res.body);
  BOOST_TEST(client.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(unmappable_record_is_rejected_with_its_index) {
  const std::string user = unique_id("native-mixed");
  auto res = post_native(client, "[" + web_event(user, "n1") + R"(,{"foo":1},)" + web_event(user, "n2") + "]",
                         "application/json");
  BOOST_TEST_REQUIRE(res.status == 400, res.status << " " << res.body);
  json_doc ack(res.body);
  BOOST_TEST(ack.int_at("/accepted") == std::optional<std::int64_t>(2), res.body);
  BOOST_TEST(ack.array_size("/rejected") == std::optional<std::size_t>(1), res.body);
  BOOST_TEST(ack.int_at("/rejected/0/index") == std::optional<std::int64_t>(1), res.body);
  auto reason = ack.string_at("/rejected/0/reason");
  BOOST_TEST((reason && !reason->empty()), res.body);
  auto poll = wait_for_profile(client, user, [](const json_doc& p) { return event_count(p, "click") == 2; });
  BOOST_TEST(poll.satisfied, poll.status << " " << poll.body);
}

BOOST_AUTO_TEST_SUITE_END()
