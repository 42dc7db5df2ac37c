// Bad input: clear 4xx answers, partial batches, dead letters; the server stays up.
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

/// A 4xx error answer: the status, and a JSON body {"success":false,"error":"<reason>"}.
void check_error(const http_response& res, int status, const std::string& what) {
  BOOST_TEST(res.status == status, what << ": status " << res.status << " body " << res.body);
  if (res.body.empty()) {
    BOOST_TEST(false, what << ": empty body, expected a reason");
    return;
  }
  try {
    json_doc doc(res.body);
    BOOST_TEST(doc.bool_at("/success") == std::optional<bool>(false), what << ": " << res.body);
    auto reason = doc.string_at("/error");
    BOOST_TEST((reason && !reason->empty()), what << ": no error reason in " << res.body);
  } catch (const std::runtime_error& e) {
    BOOST_TEST(false, what << ": " << e.what());
  }
}

void check_alive(http_client& client) {
  auto res = client.get("/healthz");
  BOOST_TEST(res.status == 200, "server unhealthy after bad input: " << res.status);
}

/// Text of a dead letter's `raw` (a string, or JSON re-serialized).
std::string raw_text(simdjson::dom::element letter) {
  auto raw = letter["raw"];
  if (raw.error())
    return {};
  if (raw.value_unsafe().is_string())
    return std::string(raw.value_unsafe().get_string().value_unsafe());
  return simdjson::to_string(raw.value_unsafe());
}

/// Position in the dead-letter list of the letter whose raw text contains `marker`.
std::optional<std::size_t> letter_index(const json_doc& letters, const std::string& marker) {
  auto items = letters.items("/deadLetters");
  for (std::size_t i = 0; i < items.size(); ++i)
    if (raw_text(items[i]).find(marker) != std::string::npos)
      return i;
  return std::nullopt;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(rejection, server_fixture)

BOOST_AUTO_TEST_CASE(malformed_json_is_400_with_reason) {
  check_error(post_json(client, "/v1/batch", R"({"batch":[{"type":"track")"), 400, "truncated batch");
  check_error(post_json(client, "/v1/track", "not json at all"), 400, "plain text track");
  check_error(post_json(client, "/v1/batch", ""), 400, "empty body");
  check_error(post_json(client, "/v1/batch", R"({"batch":"nope"})"), 400, "batch not an array");
  check_error(post_json(client, "/v1/events", R"([{"event_type":)"), 400, "truncated native body");
  check_alive(client);
}

BOOST_AUTO_TEST_CASE(corrupt_gzip_is_400) {
  auto res = client.request("POST", "/v1/batch", "this is not gzip",
                            {{"Content-Type", "application/json"},
                             {"Content-Encoding", "gzip"},
                             {"Authorization", basic_auth("test-key")}});
  check_error(res, 400, "body not gzip");
  std::string truncated = gzip(batch_of({track_msg("gz-user", "Product Viewed", "z1")}));
  truncated.resize(truncated.size() / 2);
  auto res2 = client.request("POST", "/v1/batch", truncated,
                             {{"Content-Type", "application/json"},
                              {"Content-Encoding", "gzip"},
                              {"Authorization", basic_auth("test-key")}});
  check_error(res2, 400, "truncated gzip");
  check_alive(client);
}

BOOST_AUTO_TEST_CASE(body_over_max_body_bytes_is_413) {
  // 200 small messages, ~100 KB: over max_body_bytes (65536), each message small.
  const std::string user = unique_id("big-user");
  std::vector<std::string> msgs;
  for (int i = 0; i < 200; ++i)
    msgs.push_back(track_msg(user, "Product Viewed", "big-" + std::to_string(i),
                             R"(,"properties":{"pad":")" + std::string(400, 'x') + "\"}"));
  const std::string body = batch_of(msgs);
  BOOST_TEST_REQUIRE(body.size() > 65536u);
  http_client fresh("127.0.0.1", server.port());
  check_error(post_json(fresh, "/v1/batch", body), 413, "100 KB body");

  // A gzip bomb: small on the wire, over the limit once inflated.
  std::string bomb_plain = batch_of({track_msg(user, "Product Viewed", "bomb",
                                               R"(,"properties":{"pad":")" +
                                                   std::string(1 << 20, ' ') + "\"}")});
  std::string bomb = gzip(bomb_plain);
  BOOST_TEST_REQUIRE(bomb.size() < 65536u);
  http_client fresh2("127.0.0.1", server.port());
  auto res = fresh2.request("POST", "/v1/batch", bomb,
                            {{"Content-Type", "application/json"},
                             {"Content-Encoding", "gzip"},
                             {"Authorization", basic_auth("test-key")}});
  check_error(res, 413, "gzip inflating past the limit");
  check_alive(client);

  // Nothing of it was applied: a barrier event for the same user shows alone.
  BOOST_TEST_REQUIRE(post_json(client, "/v1/page", page_msg(user, "Home", "big-barrier")).status == 200);
  auto poll = wait_for_profile(client, user,
                               [](const json_doc& p) { return event_count(p, "page_view") == 1; });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  BOOST_TEST(event_count(*poll.doc, "product_view") == 0, poll.body);
}

BOOST_AUTO_TEST_CASE(wrong_method_is_405_unknown_path_is_404) {
  BOOST_TEST(client.get("/v1/batch").status == 405);
  BOOST_TEST(client.request("DELETE", "/v1/track").status == 405);
  BOOST_TEST(client.request("PUT", "/v1/events", "[]").status == 405);
  BOOST_TEST(client.get("/v1/nope").status == 404);
  BOOST_TEST(post_json(client, "/v2/batch", "{}").status == 404);
  check_alive(client);
}

BOOST_AUTO_TEST_CASE(mixed_batch_accepts_valid_and_dead_letters_invalid) {
  const std::string user = unique_id("mixed-user");
  const std::string marker1 = unique_id("marker-no-event");
  const std::string marker3 = unique_id("marker-no-user");
  auto body = batch_of({
      track_msg(user, "Product Viewed", "x0"),
      R"({"type":"track","userId":")" + user + R"(","messageId":"x1","properties":{"marker":")" +
          marker1 + R"("}})",
      page_msg(user, "Home", "x2"),
      R"({"type":"page","name":"Home","messageId":"x3","properties":{"marker":")" + marker3 + R"("}})",
      identify_msg(user, "x4"),
      "42",
  });
  auto res = post_json(client, "/v1/batch", body);
  BOOST_TEST_REQUIRE(res.status == 400, res.status << " " << res.body);
  json_doc ack(res.body);
  BOOST_TEST(ack.bool_at("/success") == std::optional<bool>(false), res.body);
  BOOST_TEST(ack.int_at("/accepted") == std::optional<std::int64_t>(3), res.body);
  auto rejected = ack.items("/rejected");
  std::vector<std::int64_t> indexes;
  for (auto r : rejected) {
    indexes.push_back(int_field(r, "index").value_or(-1));
    auto reason = string_field(r, "reason");
    BOOST_TEST((reason && !reason->empty()), "rejection without reason: " << res.body);
  }
  const std::vector<std::int64_t> expected = {1, 3, 5};
  BOOST_TEST(indexes == expected, res.body);

  auto poll = wait_for_profile(client, user, [](const json_doc& p) {
    return event_count(p, "product_view") == 1 && event_count(p, "page_view") == 1 &&
           event_count(p, "identify") == 1;
  });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  BOOST_TEST(poll.doc->int_at("/events") == std::optional<std::int64_t>(3), poll.body);

  std::string letters_body;
  bool both = eventually([&] {
    auto r = client.get("/admin/api/deadletters?limit=100");
    letters_body = r.body;
    if (r.status != 200)
      return false;
    json_doc letters(r.body);
    return letter_index(letters, marker1) && letter_index(letters, marker3);
  });
  BOOST_TEST_REQUIRE(both, "rejected messages not in /admin/api/deadletters: " << letters_body);
  json_doc letters(letters_body);
  BOOST_TEST(letters.int_at("/total").value_or(0) >= 2, letters_body);
  for (const auto& marker : {marker1, marker3}) {
    auto item = letters.items("/deadLetters").at(*letter_index(letters, marker));
    auto reason = string_field(item, "reason");
    BOOST_TEST((reason && !reason->empty()), "dead letter without reason: " << letters_body);
    BOOST_TEST((string_field(item, "id").has_value() || int_field(item, "id").has_value()), letters_body);
    BOOST_TEST(string_field(item, "source").has_value(), letters_body);
    auto at = string_field(item, "at");
    BOOST_TEST((at && parse_iso8601_ms(*at).has_value()), "dead letter `at` not ISO 8601: " << letters_body);
  }
}

BOOST_AUTO_TEST_CASE(dead_letters_are_listed_newest_first) {
  const std::string older = unique_id("older");
  const std::string newer = unique_id("newer");
  for (const auto& marker : {older, newer}) {
    auto res = post_json(client, "/v1/batch",
                         batch_of({R"({"type":"track","userId":"dl-user","properties":{"marker":")" +
                                   marker + "\"}}"}));
    BOOST_TEST_REQUIRE(res.status == 400, res.status << " " << res.body);
    // The next one is sent only once this one is visible, so that their order is known.
    bool seen = eventually([&] {
      auto r = client.get("/admin/api/deadletters?limit=100");
      return r.status == 200 && letter_index(json_doc(r.body), marker).has_value();
    });
    BOOST_TEST_REQUIRE(seen, marker << " never listed");
  }
  auto r = client.get("/admin/api/deadletters?limit=100");
  json_doc letters(r.body);
  auto i_old = letter_index(letters, older);
  auto i_new = letter_index(letters, newer);
  BOOST_TEST_REQUIRE((i_old && i_new), r.body);
  BOOST_TEST(*i_new < *i_old, "newest is not first: " << r.body);

  auto one = client.get("/admin/api/deadletters?limit=1");
  BOOST_TEST_REQUIRE(one.status == 200, one.body);
  json_doc first(one.body);
  BOOST_TEST(first.array_size("/deadLetters") == std::optional<std::size_t>(1), one.body);
  BOOST_TEST(letter_index(first, newer) == std::optional<std::size_t>(0), one.body);
  BOOST_TEST(first.int_at("/total").value_or(0) >= 2, one.body);
}

BOOST_AUTO_TEST_SUITE_END()
