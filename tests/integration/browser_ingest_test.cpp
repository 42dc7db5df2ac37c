// Browser ingest at the HTTP level (SPEC 2, "Browsers"): the short paths analytics.js 2.0
// and RudderStack's JavaScript SDK post to, text/plain bodies with writeKey inside, CORS
// preflights, origins per write key, and the admin API closed to pages of other origins.
// tests/integration/browser drives the real libraries in Chromium; this file pins the
// wire behaviour they rely on, one request at a time.
#include <boost/test/unit_test.hpp>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

const std::string shop = "http://shop.test:3000";
const std::string evil = "http://evil.test";

/// Two keys: `browser-key` only for the shop's pages, `server-key` for any origin (the
/// default list), as a site with a browser key and a back-end key would configure it.
const std::string cors_config = R"(ingest:
  write_keys: [browser-key, server-key]
  cors:
    origins: ["*"]
    keys:
      - {write_key: browser-key, origins: [")" + shop + R"("]}
)";

/// A message as a browser library sends it: text/plain, writeKey in the body, no
/// Authorization header.
http_response post_from_page(http_client& client, const std::string& path, const std::string& origin,
                             const std::string& body) {
  return client.request("POST", path, body,
                        {{"Content-Type", "text/plain"}, {"Origin", origin}});
}

std::string with_key(std::string message, const std::string& key) {
  message.pop_back();  // the closing brace
  return message + R"(,"writeKey":")" + key + "\"}";
}

std::int64_t applied_events(http_client& client, const std::string& user) {
  auto res = client.get("/v1/profiles/" + user);
  if (res.status != 200)
    return 0;
  return json_doc(res.body).int_at("/events").value_or(0);
}

} // namespace

BOOST_AUTO_TEST_SUITE(browser_ingest)

BOOST_AUTO_TEST_CASE(short_paths_take_text_plain_bodies_with_the_write_key_inside) {
  server_fixture f{cors_config};
  const auto user = unique_id("short");
  const std::pair<std::string, std::string> calls[] = {
    {"/v1/t", track_msg(user, "Product Viewed", unique_id("t"))},
    {"/v1/p", page_msg(user, "Home", unique_id("p"))},
    {"/v1/s", screen_msg(user, "Cart", unique_id("s"))},
    {"/v1/i", identify_msg(user, unique_id("i"))},
    {"/v1/g", R"({"type":"group","userId":")" + user + R"(","groupId":"g1","messageId":")"
                + unique_id("g") + "\"}"},
    {"/v1/a", R"({"type":"alias","userId":")" + user + R"(","previousId":")" + unique_id("anon")
                + R"(","messageId":")" + unique_id("a") + "\"}"},
    {"/v1/b", batch_of({track_msg(user, "Product Added", unique_id("b1")),
                        track_msg(user, "Product Viewed", unique_id("b2"))})},
  };
  for (const auto& [path, body] : calls) {
    auto res = post_from_page(f.client, path, shop, with_key(body, "browser-key"));
    BOOST_TEST(res.status == 200, path << ": " << res.status << " " << res.body);
    BOOST_TEST(res.header("Access-Control-Allow-Origin") == shop, path);
  }
  auto poll = wait_for_profile(f.client, user, [](const json_doc& p) {
    return p.int_at("/events").value_or(0) >= 8;
  });
  BOOST_TEST(poll.satisfied, "last " << poll.status << " " << poll.body);
  BOOST_TEST(poll.doc->int_at("/events").value_or(0) == 8);
}

BOOST_AUTO_TEST_CASE(a_rudderstack_beacon_carries_its_write_key_in_the_query) {
  server_fixture f{cors_config};
  const auto user = unique_id("beacon");
  auto body = batch_of({track_msg(user, "Product Viewed", unique_id("m")),
                        page_msg(user, "Home", unique_id("m"))});
  auto res = post_from_page(f.client, "/beacon/v1/batch?writeKey=browser-key", shop, body);
  BOOST_TEST(res.status == 200, res.body);
  auto wrong = post_from_page(f.client, "/beacon/v1/batch?writeKey=nobody", shop, body);
  BOOST_TEST(wrong.status == 401, wrong.body);
  auto poll = wait_for_profile(f.client, user, [](const json_doc& p) {
    return p.int_at("/events").value_or(0) >= 2;
  });
  BOOST_TEST(poll.satisfied, poll.body);
  BOOST_TEST(poll.doc->int_at("/events").value_or(0) == 2);
}

BOOST_AUTO_TEST_CASE(a_preflight_is_answered_for_allowed_origins_only) {
  server_fixture f{cors_config};
  auto preflight = [&](const std::string& path, const std::string& origin) {
    return f.client.request("OPTIONS", path, "",
                            {{"Origin", origin},
                             {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "content-type"}});
  };
  // Any origin may use server-key (the default list is "*"), so the preflight, which
  // carries no key, passes for evil.test too; its POST with browser-key will not.
  for (const auto* path : {"/v1/batch", "/v1/t", "/v1/b", "/v1/events"}) {
    auto res = preflight(path, shop);
    BOOST_TEST(res.status == 204, path << ": " << res.status << " " << res.body);
    BOOST_TEST(res.header("Access-Control-Allow-Origin") == shop);
    BOOST_TEST(res.header("Access-Control-Allow-Methods").find("POST") != std::string::npos);
    BOOST_TEST(res.header("Access-Control-Allow-Headers") == "content-type");
  }
  server_fixture closed{R"(ingest:
  write_keys: [browser-key]
  cors: {origins: [], keys: [{write_key: browser-key, origins: [")" + shop + R"("]}]}
)"};
  auto refused = closed.client.request("OPTIONS", "/v1/t", "",
                                       {{"Origin", evil}, {"Access-Control-Request-Method", "POST"}});
  BOOST_TEST(refused.status == 403, refused.body);
  BOOST_TEST(!refused.has_header("Access-Control-Allow-Origin"));
}

BOOST_AUTO_TEST_CASE(a_page_of_a_disallowed_origin_is_refused_and_changes_nothing) {
  server_fixture f{cors_config};
  const auto user = unique_id("guarded");
  const auto body = with_key(track_msg(user, "Product Viewed", unique_id("m")), "browser-key");
  auto refused = post_from_page(f.client, "/v1/t", evil, body);
  BOOST_TEST(refused.status == 403, refused.body);
  BOOST_TEST(refused.body.find("ingest.cors") != std::string::npos, refused.body);
  BOOST_TEST(!refused.has_header("Access-Control-Allow-Origin"));
  // The same key from the shop's page, and server-key from anywhere, are accepted. The
  // shop's event is applied after the refused one would have been: had the refused
  // request been kept, the count would show it.
  BOOST_TEST(post_from_page(f.client, "/v1/t", shop, body).status == 200);
  const auto server_body = with_key(track_msg(user, "Product Viewed", unique_id("m")), "server-key");
  BOOST_TEST(post_from_page(f.client, "/v1/t", evil, server_body).status == 200);
  auto poll = wait_for_profile(f.client, user, [](const json_doc& p) {
    return p.int_at("/events").value_or(0) >= 2;
  });
  BOOST_TEST(poll.satisfied, poll.body);
  BOOST_TEST(applied_events(f.client, user) == 2);
  auto letters = f.client.get("/admin/api/deadletters");
  BOOST_TEST(letters.body.find(user) == std::string::npos, "refused request was kept");
}

BOOST_AUTO_TEST_CASE(requests_without_an_origin_are_server_sdks_and_not_checked) {
  server_fixture f{R"(ingest:
  write_keys: [browser-key]
  cors: {origins: [], keys: [{write_key: browser-key, origins: []}]}
)"};
  const auto user = unique_id("backend");
  auto res = post_json(f.client, "/v1/track", track_msg(user, "Product Viewed", unique_id("m")),
                       "browser-key");
  BOOST_TEST(res.status == 200, res.body);
  BOOST_TEST(!res.has_header("Access-Control-Allow-Origin"));
}

BOOST_AUTO_TEST_CASE(the_admin_api_is_never_opened_to_other_origins) {
  server_fixture f{cors_config};
  auto cross = f.client.request("GET", "/admin/api/nodes", "", {{"Origin", evil}});
  BOOST_TEST(cross.status == 403, cross.body);
  BOOST_TEST(!cross.has_header("Access-Control-Allow-Origin"));
  // The console's own page sends its own origin: served.
  const auto own = "http://127.0.0.1:" + std::to_string(f.server.port());
  auto same = f.client.request("GET", "/admin/api/nodes", "", {{"Origin", own}});
  BOOST_TEST(same.status == 200, same.body);
  // No preflight is answered outside ingest.
  auto preflight = f.client.request("OPTIONS", "/admin/api/reload", "",
                                    {{"Origin", shop}, {"Access-Control-Request-Method", "POST"}});
  BOOST_TEST(preflight.status == 405);
  BOOST_TEST(!preflight.has_header("Access-Control-Allow-Origin"));
}

BOOST_AUTO_TEST_CASE(a_bad_cors_config_is_a_located_error) {
  temp_dir dir{"cors-config"};
  const auto path = dir.path() + "/cohort.yaml";
  write_file(path, "ingest:\n  write_keys: [k1]\n  cors:\n    origins: [\"shop.test/path\"]\n"
                   "    keys:\n      - {write_key: k2, origins: []}\n");
  auto result = run_cohortd({"--config", path, "--data", dir.path() + "/data"});
  BOOST_TEST(result.exit_code == 2);
  BOOST_TEST(result.err.find(":4:") != std::string::npos, result.err);
  BOOST_TEST(result.err.find("ingest.cors.origins") != std::string::npos, result.err);
  BOOST_TEST(result.err.find("ingest.cors.keys[0].write_key: is not one of ingest.write_keys")
               != std::string::npos, result.err);
  BOOST_TEST(result.err.find("k2") == std::string::npos, "a write key was quoted: " << result.err);
}

BOOST_AUTO_TEST_SUITE_END()
