// WebSocket GET /v1/stream: subscriptions by user and by segment receive exactly the
// segment and tag changes that events cause (SPEC 4), nothing for other users.
//
// Exactness without sleeps: a session actor publishes the changes of an event before it
// answers a later profile query, and the publisher and each connection deliver in order.
// So once a change of a later event (or of a sentinel user subscribed on the same
// connection) arrives, anything wrongly pushed for earlier events would have arrived
// before it.
#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"
#include "ws_client.hpp"

using namespace cohort::it;

namespace {

const std::string rules_common = R"(ingest: {write_keys: [test-key], dedup_window: 24h, max_body_bytes: 1048576}
sessions: {gap: 30m, allowed_lateness: 10m}
score:
  model: weighted
  weights: {cart_adds: 1}
  caps: {cart_adds: 2}
)";

const std::string segments_yaml = R"(segments:
  - {name: Buyer, when: 'cart_adds >= 2'}
  - {name: Browsing, when: 'product_views >= 3'}
  - {name: Newcomer, when: 'true'}
)";

/// Segments only: every change is a segment_change.
std::string segments_only_config() { return rules_common + "tags: []\n" + segments_yaml; }

/// Segments and tags.
std::string tagged_config() {
  return rules_common + R"(tags:
  - {name: Browser, when: 'product_views >= 2'}
  - {name: Carted, when: 'cart_adds >= 1'}
)" + segments_yaml;
}

/// Event times: three hours ago, in whole seconds, plus offsets.
struct clock_base {
  std::int64_t t0 = (now_ms() - 3 * 3600 * 1000) / 1000 * 1000;
  std::string at(std::int64_t offset_s) const { return iso8601_from_ms(t0 + offset_s * 1000); }
  std::int64_t ms(std::int64_t offset_s) const { return t0 + offset_s * 1000; }
};

std::string view(const std::string& user, const std::string& id, const std::string& ts) {
  return track_msg(user, "Product Viewed", id,
                   R"(,"timestamp":")" + ts + R"(","properties":{"product_id":")" + id + "\"}");
}

std::string add(const std::string& user, const std::string& id, const std::string& ts) {
  return track_msg(user, "Product Added", id, R"(,"timestamp":")" + ts + "\"");
}

void post_batch(http_client& client, const std::vector<std::string>& messages) {
  auto res = post_json(client, "/v1/batch", batch_of(messages));
  BOOST_TEST_REQUIRE(res.status == 200, "batch: " << res.status << " " << res.body);
}

/// Waits until `user`'s profile has applied `events` events.
void wait_applied(http_client& client, const std::string& user, std::int64_t events) {
  auto poll = wait_for_profile(client, user, [&](const json_doc& p) {
    return p.int_at("/events").value_or(0) >= events;
  });
  BOOST_TEST_REQUIRE(poll.satisfied, user << " never showed " << events << " events; last "
                                          << poll.status << " " << poll.body);
}

json_doc next_json(ws_client& ws, const std::string& waiting_for) {
  auto m = ws.next(default_deadline);
  BOOST_TEST_REQUIRE(m.has_value(), "no WebSocket message within "
                                        << default_deadline.count() << " s; waiting for "
                                        << waiting_for);
  return json_doc(*m);
}

std::vector<std::string> strings_at(const json_doc& doc, const std::string& pointer) {
  std::vector<std::string> out;
  for (auto e : doc.items(pointer)) {
    auto s = e.get_string();
    BOOST_TEST(!s.error(), pointer << " holds a non-string: " << doc.text());
    if (!s.error())
      out.emplace_back(s.value_unsafe());
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

using strings = std::vector<std::string>;

void subscribe(ws_client& ws, const std::string& key, const std::string& value,
               const std::string& op = "subscribe") {
  ws.send(R"({"op":")" + op + R"(",")" + key + "\":" + quote(value) + "}");
  auto ack = next_json(ws, op + " ack for " + key + "=" + value);
  BOOST_TEST_REQUIRE(ack.string_at("/type") == std::optional<std::string>("ack"), ack.text());
  BOOST_TEST(ack.string_at("/op") == std::optional<std::string>(op), ack.text());
  BOOST_TEST(ack.string_at("/" + key) == std::optional<std::string>(value), ack.text());
}

/// `from` empty means a new user's first segment (JSON null, or "").
void check_segment_change(const json_doc& m, const std::string& user, const std::string& from,
                          const std::string& to, double score, const strings& tags,
                          const std::string& message_id, std::int64_t at_ms) {
  const std::string& t = m.text();
  BOOST_TEST_REQUIRE(m.string_at("/type") == std::optional<std::string>("segment_change"),
                     "expected segment_change " << from << " -> " << to << " (" << message_id
                                                << "), got " << t);
  BOOST_TEST(m.string_at("/userId") == std::optional<std::string>(user), t);
  if (from.empty()) {
    auto f = m.at("/from");
    BOOST_TEST_REQUIRE(f.has_value(), "no from: " << t);
    BOOST_TEST((f->is_null() || m.string_at("/from") == std::optional<std::string>("")),
               "first segment of a new user: from should be null or \"\": " << t);
  } else {
    BOOST_TEST(m.string_at("/from") == std::optional<std::string>(from), t);
  }
  BOOST_TEST(m.string_at("/to") == std::optional<std::string>(to), t);
  auto s = m.number_at("/score");
  BOOST_TEST_REQUIRE(s.has_value(), "no score: " << t);
  BOOST_TEST(*s == score, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(sorted(strings_at(m, "/tags")) == sorted(tags), boost::test_tools::per_element());
  BOOST_TEST(m.string_at("/cause/messageId") == std::optional<std::string>(message_id), t);
  auto at = m.string_at("/at");
  BOOST_TEST_REQUIRE(at.has_value(), "no at: " << t);
  BOOST_TEST(parse_iso8601_ms(*at) == std::optional<std::int64_t>(at_ms),
             "at should be the cause's event time: " << t);
}

void check_tags_change(const json_doc& m, const std::string& user, const std::string& segment,
                       double score, const strings& tags, const strings& added,
                       const strings& removed, const std::string& message_id) {
  const std::string& t = m.text();
  BOOST_TEST_REQUIRE(m.string_at("/type") == std::optional<std::string>("tags_change"),
                     "expected tags_change (" << message_id << "), got " << t);
  BOOST_TEST(m.string_at("/userId") == std::optional<std::string>(user), t);
  BOOST_TEST(m.string_at("/segment") == std::optional<std::string>(segment), t);
  auto s = m.number_at("/score");
  BOOST_TEST_REQUIRE(s.has_value(), "no score: " << t);
  BOOST_TEST(*s == score, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(sorted(strings_at(m, "/tags")) == sorted(tags), boost::test_tools::per_element());
  BOOST_TEST(sorted(strings_at(m, "/added")) == sorted(added), boost::test_tools::per_element());
  BOOST_TEST(sorted(strings_at(m, "/removed")) == sorted(removed),
             boost::test_tools::per_element());
  BOOST_TEST(m.string_at("/cause/messageId") == std::optional<std::string>(message_id), t);
  BOOST_TEST(m.string_at("/at").has_value(), t);
}

/// The sentinel: one product view of a fresh user subscribed on the same connection must
/// be the very next message.
void expect_sentinel_next(ws_client& ws, http_client& client, const std::string& sentinel,
                          const clock_base& clock) {
  const std::string id = unique_id("sentinel-m");
  post_batch(client, {view(sentinel, id, clock.at(0))});
  auto m = next_json(ws, "the sentinel's change (anything before it was pushed wrongly)");
  check_segment_change(m, sentinel, "", "Newcomer", 0, {}, id, clock.ms(0));
}

struct segments_only_fixture : server_fixture {
  segments_only_fixture() : server_fixture(segments_only_config()) {}
};

struct tagged_fixture : server_fixture {
  tagged_fixture() : server_fixture(tagged_config()) {}
};

} // namespace

BOOST_AUTO_TEST_SUITE(stream)

BOOST_FIXTURE_TEST_CASE(user_subscriber_gets_exactly_its_segment_changes, segments_only_fixture) {
  const clock_base clock;
  const std::string user = unique_id("ws-user");
  const std::string other = unique_id("ws-other");
  const std::string sentinel = unique_id("ws-sentinel");
  ws_client ws(server.port());
  subscribe(ws, "userId", user);
  subscribe(ws, "userId", sentinel);

  // Another user crosses every rule first: none of it may reach this connection.
  post_batch(client, {view(other, "o1", clock.at(0)), view(other, "o2", clock.at(1)),
                      view(other, "o3", clock.at(2)), add(other, "o4", clock.at(3)),
                      add(other, "o5", clock.at(4))});
  wait_applied(client, other, 5);

  // New user: "" -> Newcomer.
  post_batch(client, {view(user, "u1", clock.at(10))});
  check_segment_change(next_json(ws, "u1 change"), user, "", "Newcomer", 0, {}, "u1",
                       clock.ms(10));
  // u2 changes nothing; u3 is the third view: Newcomer -> Browsing. Were anything pushed
  // for u2, it would arrive before u3's change.
  post_batch(client, {view(user, "u2", clock.at(20))});
  wait_applied(client, user, 2);
  post_batch(client, {view(user, "u3", clock.at(30))});
  check_segment_change(next_json(ws, "u3 change"), user, "Newcomer", "Browsing", 0, {}, "u3",
                       clock.ms(30));
  // One batch: u4 (first cart add, still Browsing), u5 (second: Buyer, score 100).
  post_batch(client, {add(user, "u4", clock.at(40)), add(user, "u5", clock.at(50))});
  check_segment_change(next_json(ws, "u5 change"), user, "Browsing", "Buyer", 100, {}, "u5",
                       clock.ms(50));
  // Nothing else for the user: the sentinel's change is the next message.
  expect_sentinel_next(ws, client, sentinel, clock);
  BOOST_TEST(ws.queued() == 0u);
}

BOOST_FIXTURE_TEST_CASE(segment_subscriber_gets_changes_into_and_out_of_it, tagged_fixture) {
  const clock_base clock;
  const std::string user = unique_id("seg-user");
  const std::string browsing_only = unique_id("seg-browser");
  const std::string sentinel = unique_id("seg-sentinel");
  ws_client ws(server.port());
  subscribe(ws, "segment", "Buyer");
  subscribe(ws, "userId", sentinel);

  // A user that reaches Browsing (and a tag) but never Buyer: nothing for this client.
  post_batch(client, {view(browsing_only, "b1", clock.at(0)), view(browsing_only, "b2", clock.at(1)),
                      view(browsing_only, "b3", clock.at(2))});
  wait_applied(client, browsing_only, 3);

  // Into Buyer at the second cart add; the changes before it (into Newcomer, Browsing,
  // tags) are not about Buyer.
  post_batch(client, {view(user, "s1", clock.at(10)), view(user, "s2", clock.at(20)),
                      view(user, "s3", clock.at(30)), add(user, "s4", clock.at(40)),
                      add(user, "s5", clock.at(50))});
  check_segment_change(next_json(ws, "change into Buyer"), user, "Browsing", "Buyer", 100,
                       {"Browser", "Carted"}, "s5", clock.ms(50));

  // A third cart add in the same session changes nothing; an hour later a new session
  // starts: out of Buyer into Newcomer, and the tags go (that tags_change is about
  // Newcomer, not Buyer).
  post_batch(client, {add(user, "s6", clock.at(60))});
  wait_applied(client, user, 6);
  post_batch(client, {view(user, "s7", clock.at(60 + 3600))});
  check_segment_change(next_json(ws, "change out of Buyer"), user, "Buyer", "Newcomer", 0, {},
                       "s7", clock.ms(60 + 3600));

  expect_sentinel_next(ws, client, sentinel, clock);
  BOOST_TEST(ws.queued() == 0u);
}

BOOST_FIXTURE_TEST_CASE(tags_change_reports_added_and_removed, tagged_fixture) {
  const clock_base clock;
  const std::string user = unique_id("tag-user");
  const std::string sentinel = unique_id("tag-sentinel");
  ws_client ws(server.port());
  subscribe(ws, "userId", user);
  subscribe(ws, "userId", sentinel);

  post_batch(client, {view(user, "t1", clock.at(0))});
  check_segment_change(next_json(ws, "t1 change"), user, "", "Newcomer", 0, {}, "t1", clock.ms(0));

  // Second view: Browser tag; the segment stays Newcomer, so only a tags_change.
  post_batch(client, {view(user, "t2", clock.at(10))});
  check_tags_change(next_json(ws, "t2 tags_change"), user, "Newcomer", 0, {"Browser"},
                    {"Browser"}, {}, "t2");

  // First cart add: Carted joins; score 50.
  post_batch(client, {add(user, "t3", clock.at(20))});
  check_tags_change(next_json(ws, "t3 tags_change"), user, "Newcomer", 50, {"Browser", "Carted"},
                    {"Carted"}, {}, "t3");

  // A new session (1 h later): one view, no cart: both tags go.
  post_batch(client, {view(user, "t4", clock.at(20 + 3600))});
  check_tags_change(next_json(ws, "t4 tags_change"), user, "Newcomer", 0, {}, {},
                    {"Browser", "Carted"}, "t4");

  expect_sentinel_next(ws, client, sentinel, clock);
  BOOST_TEST(ws.queued() == 0u);
}

BOOST_FIXTURE_TEST_CASE(unsubscribe_stops_pushes_and_bad_ops_get_errors, segments_only_fixture) {
  const clock_base clock;
  const std::string user = unique_id("unsub-user");
  const std::string sentinel = unique_id("unsub-sentinel");
  ws_client ws(server.port());
  subscribe(ws, "userId", user);
  subscribe(ws, "userId", sentinel);
  subscribe(ws, "userId", user, "unsubscribe");

  post_batch(client, {view(user, "x1", clock.at(0))});
  wait_applied(client, user, 1);
  expect_sentinel_next(ws, client, sentinel, clock);

  for (const std::string bad : {R"({"op":"dance","userId":"u"})", R"({"op":"subscribe"})",
                                R"(not json)",
                                R"({"op":"subscribe","userId":"u","segment":"s"})"}) {
    ws.send(bad);
    auto m = next_json(ws, "error for " + bad);
    BOOST_TEST(m.string_at("/type") == std::optional<std::string>("error"), bad << " -> " << m.text());
    auto reason = m.string_at("/reason");
    BOOST_TEST((reason && !reason->empty()), bad << " -> " << m.text());
  }
  // The connection still works after the errors.
  subscribe(ws, "segment", "Buyer");
}

BOOST_FIXTURE_TEST_CASE(a_stopping_node_says_going_away_to_every_client, segments_only_fixture) {
  ws_client first(server.port());
  ws_client second(server.port());
  subscribe(first, "segment", "Buyer");
  subscribe(second, "userId", unique_id("leaving"));
  BOOST_TEST(server.stop() == 0);
  for (auto* ws : {&first, &second}) {
    // The close frame is what ends the connection: next() throws once it came.
    BOOST_CHECK_THROW(ws->next(default_deadline), std::runtime_error);
    BOOST_TEST(ws->close_code() == 1001, "close code " << ws->close_code() << " reason '"
                                                         << ws->close_reason() << "'");
    BOOST_TEST(ws->close_reason() == "server shutting down");
  }
}

BOOST_AUTO_TEST_SUITE_END()
