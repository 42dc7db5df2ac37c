// Segment HTTP tracking API: /v1/batch and the single-call endpoints, as the SDKs send them.
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

BOOST_FIXTURE_TEST_SUITE(segment_ingest, server_fixture)

BOOST_AUTO_TEST_CASE(batch_of_track_page_identify_builds_profile) {
  const std::string user = unique_id("batch-user");
  const std::int64_t before = now_ms();
  auto body = batch_of(
      {
          track_msg(user, "Product Viewed", "m1", R"(,"properties":{"product":{"id":"p1","price":9.5}})"),
          track_msg(user, "Product Viewed", "m2"),
          track_msg(user, "Product Added", "m3"),
          track_msg(user, "Order Completed", "m4"),
          track_msg(user, "Video Played", "m5"),
          page_msg(user, "Home", "m6", R"(,"properties":{"path":"/home"})"),
          screen_msg(user, "Settings", "m7"),
          identify_msg(user, "m8", R"(,"traits":{"email":"a@example.com"})"),
      },
      R"(,"sentAt":")" + iso8601_from_ms(now_ms()) + "\"");
  auto res = post_json(client, "/v1/batch", body);
  BOOST_TEST_REQUIRE(res.status == 200, "status " << res.status << " body " << res.body);
  json_doc ack(res.body);
  BOOST_TEST(ack.bool_at("/success") == std::optional<bool>(true), res.body);

  auto poll = wait_for_profile(client, user, [](const json_doc& p) {
    return p.int_at("/events").value_or(0) >= 8;
  });
  BOOST_TEST_REQUIRE(poll.satisfied, "profile never showed 8 events; last " << poll.status << " "
                                                                           << poll.body);
  const json_doc& p = *poll.doc;
  BOOST_TEST(p.int_at("/events") == std::optional<std::int64_t>(8), p.text());
  BOOST_TEST(p.string_at("/userId") == std::optional<std::string>(user));
  BOOST_TEST(p.string_at("/profileId").has_value(), p.text());
  BOOST_TEST(event_count(p, "product_view") == 2, p.text());
  BOOST_TEST(event_count(p, "add_to_cart") == 1, p.text());
  BOOST_TEST(event_count(p, "purchase") == 1, p.text());
  BOOST_TEST(event_count(p, "Video Played") == 1, p.text());
  BOOST_TEST(event_count(p, "page_view") == 2, p.text());
  BOOST_TEST(event_count(p, "identify") == 1, p.text());
  BOOST_TEST(total_event_count(p) == 8, p.text());
  BOOST_TEST(p.int_at("/duplicates") == std::optional<std::int64_t>(0), p.text());
  BOOST_TEST(has_identity(p, "userId", user), p.text());

  for (const char* key : {"/firstSeen", "/lastSeen", "/updated"}) {
    auto t = p.string_at(key);
    BOOST_TEST_REQUIRE(t.has_value(), key << " missing: " << p.text());
    auto ms = parse_iso8601_ms(*t);
    BOOST_TEST_REQUIRE(ms.has_value(), key << " is not ISO 8601: " << *t);
    BOOST_TEST(*ms >= before - 60000, key << " " << *t);
    BOOST_TEST(*ms <= now_ms() + 60000, key << " " << *t);
  }

  BOOST_TEST(p.array_size("/recentEvents") == std::optional<std::size_t>(8), p.text());
  auto m1 = recent_event(p, "m1");
  BOOST_TEST_REQUIRE(m1.has_value(), "m1 not in recentEvents: " << p.text());
  BOOST_TEST(string_field(*m1, "type") == std::optional<std::string>("product_view"));
  BOOST_TEST(string_field(*m1, "call") == std::optional<std::string>("track"));
  BOOST_TEST(string_field(*m1, "name") == std::optional<std::string>("Product Viewed"));
  auto product_id = (*m1)["properties"]["product.id"].get_string();
  BOOST_TEST(!product_id.error(), "properties not flattened to product.id: " << p.text());
  if (!product_id.error())
    BOOST_TEST(std::string(product_id.value_unsafe()) == "p1");
  auto price = (*m1)["properties"]["product.price"].get_double();
  BOOST_TEST((!price.error() && price.value_unsafe() == 9.5), p.text());

  auto m6 = recent_event(p, "m6");
  BOOST_TEST_REQUIRE(m6.has_value(), p.text());
  BOOST_TEST(string_field(*m6, "type") == std::optional<std::string>("page_view"));
  BOOST_TEST(string_field(*m6, "call") == std::optional<std::string>("page"));
  auto m7 = recent_event(p, "m7");
  BOOST_TEST_REQUIRE(m7.has_value(), p.text());
  BOOST_TEST(string_field(*m7, "type") == std::optional<std::string>("page_view"));
  BOOST_TEST(string_field(*m7, "call") == std::optional<std::string>("screen"));
  auto m8 = recent_event(p, "m8");
  BOOST_TEST_REQUIRE(m8.has_value(), p.text());
  BOOST_TEST(string_field(*m8, "type") == std::optional<std::string>("identify"));
}

BOOST_AUTO_TEST_CASE(single_call_endpoints_are_accepted) {
  const std::string user = unique_id("single-user");
  struct call {
    const char* target;
    std::string body;
  };
  const std::vector<call> calls = {
      {"/v1/track", track_msg(user, "Product Added", "s1")},
      {"/v1/page", page_msg(user, "Pricing", "s2")},
      {"/v1/screen", screen_msg(user, "Cart", "s3")},
      {"/v1/identify", identify_msg(user, "s4", R"(,"traits":{"plan":"pro"})")},
      {"/v1/group", R"({"type":"group","userId":")" + user + R"(","groupId":"g1","messageId":"s5"})"},
      {"/v1/alias", R"({"type":"alias","userId":")" + user + R"(","previousId":"anon-)" + user +
                        R"(","messageId":"s6"})"},
  };
  for (const auto& c : calls) {
    auto res = post_json(client, c.target, c.body);
    BOOST_TEST(res.status == 200, c.target << " -> " << res.status << " " << res.body);
    if (res.status == 200)
      BOOST_TEST(json_doc(res.body).bool_at("/success") == std::optional<bool>(true), res.body);
  }
  auto poll = wait_for_profile(client, user, [](const json_doc& p) {
    return event_count(p, "add_to_cart") == 1 && event_count(p, "page_view") == 2 &&
           event_count(p, "identify") == 1;
  });
  BOOST_TEST(poll.satisfied, "last " << poll.status << " " << poll.body);
}

BOOST_AUTO_TEST_CASE(user_and_anonymous_ids_are_identities) {
  const std::string user = unique_id("ident-user");
  const std::string anon = unique_id("anon");
  auto res = post_json(client, "/v1/track",
                       track_msg(user, "Product Viewed", "i1", ",\"anonymousId\":" + quote(anon)));
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  auto poll = wait_for_profile(client, user,
                               [](const json_doc& p) { return event_count(p, "product_view") == 1; });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  BOOST_TEST(has_identity(*poll.doc, "userId", user), poll.body);
  BOOST_TEST(has_identity(*poll.doc, "anonymousId", anon), poll.body);
}

BOOST_AUTO_TEST_CASE(gzip_body_with_form_content_type_like_rudderstack) {
  const std::string user = unique_id("gzip-user");
  const std::string plain = batch_of({track_msg(user, "Product Added", "g1"), page_msg(user, "Home", "g2")},
                                     R"(,"sentAt":")" + iso8601_from_ms(now_ms()) + "\"");
  auto res = client.request("POST", "/v1/batch", gzip(plain),
                            {{"Content-Type", "application/x-www-form-urlencoded"},
                             {"Content-Encoding", "gzip"},
                             {"Authorization", basic_auth("test-key")},
                             {"User-Agent", "analytics-node/3.0.13"}});
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);

  // A single call, gzip with another content type.
  auto res2 = client.request("POST", "/v1/track", gzip(track_msg(user, "Order Completed", "g3")),
                             {{"Content-Type", "text/plain"},
                              {"Content-Encoding", "gzip"},
                              {"Authorization", basic_auth("test-key")}});
  BOOST_TEST_REQUIRE(res2.status == 200, res2.status << " " << res2.body);

  auto poll = wait_for_profile(client, user, [](const json_doc& p) {
    return event_count(p, "add_to_cart") == 1 && event_count(p, "page_view") == 1 &&
           event_count(p, "purchase") == 1;
  });
  BOOST_TEST(poll.satisfied, "last " << poll.status << " " << poll.body);
}

BOOST_AUTO_TEST_CASE(clock_skew_is_corrected_from_sent_at) {
  // The client's clock runs one hour ahead. timestamp = receivedAt - (sentAt - originalTimestamp).
  const std::string user = unique_id("skew-user");
  const std::int64_t client_now = now_ms() + 3600 * 1000;
  const std::string per_message = track_msg(
      user, "Product Viewed", "k1",
      R"(,"originalTimestamp":")" + iso8601_from_ms(client_now - 5000) + R"(","sentAt":")" +
          iso8601_from_ms(client_now) + "\"");
  const std::string batch_level = track_msg(
      user, "Product Viewed", "k2", R"(,"originalTimestamp":")" + iso8601_from_ms(client_now - 7000) + "\"");
  const std::int64_t sent = now_ms();
  auto res = post_json(client, "/v1/batch",
                       batch_of({per_message, batch_level},
                                R"(,"sentAt":")" + iso8601_from_ms(client_now) + "\""));
  const std::int64_t acked = now_ms();
  BOOST_TEST_REQUIRE(res.status == 200, res.body);

  auto poll = wait_for_profile(client, user,
                               [](const json_doc& p) { return event_count(p, "product_view") == 2; });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  const std::pair<const char*, int> expected[] = {{"k1", 5000}, {"k2", 7000}};
  for (auto [id, skew] : expected) {
    auto e = recent_event(*poll.doc, id);
    BOOST_TEST_REQUIRE(e.has_value(), id << " missing: " << poll.body);
    auto ts = string_field(*e, "timestamp");
    auto received = string_field(*e, "receivedAt");
    BOOST_TEST_REQUIRE((ts && received), poll.body);
    auto ts_ms = parse_iso8601_ms(*ts);
    auto received_ms = parse_iso8601_ms(*received);
    BOOST_TEST_REQUIRE((ts_ms && received_ms), *ts << " / " << *received);
    BOOST_TEST(*received_ms >= sent - 1000, *received);
    BOOST_TEST(*received_ms <= acked + 1000, *received);
    const std::int64_t diff = *received_ms - *ts_ms;
    BOOST_TEST((diff >= skew - 2 && diff <= skew + 2),
               id << ": receivedAt - timestamp = " << diff << " ms, expected " << skew
                  << " (timestamp " << *ts << ", receivedAt " << *received << ")");
  }
}

BOOST_AUTO_TEST_CASE(explicit_timestamp_without_sent_at_is_kept) {
  const std::string user = unique_id("ts-user");
  const std::int64_t when = now_ms() - 90 * 1000;
  auto res = post_json(client, "/v1/track",
                       track_msg(user, "Product Viewed", "t1",
                                 R"(,"timestamp":")" + iso8601_from_ms(when) + "\""));
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  auto poll = wait_for_profile(client, user,
                               [](const json_doc& p) { return event_count(p, "product_view") == 1; });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  auto e = recent_event(*poll.doc, "t1");
  BOOST_TEST_REQUIRE(e.has_value(), poll.body);
  auto ts = string_field(*e, "timestamp");
  BOOST_TEST_REQUIRE(ts.has_value(), poll.body);
  BOOST_TEST(parse_iso8601_ms(*ts) == std::optional<std::int64_t>(when), *ts);
}

BOOST_AUTO_TEST_SUITE_END()
