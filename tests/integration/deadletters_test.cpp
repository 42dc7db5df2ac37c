// Dead letters against a real node: letters older than deadletters.max_age are pruned,
// past deadletters.max_bytes the oldest go first (newest kept); after a mapping fix,
// POST /admin/api/deadletters/replay applies each selected letter once.
#include <boost/test/unit_test.hpp>

#include "json_doc.hpp"
#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;
using std::chrono::seconds;

namespace {

std::string retention_config(const std::string& deadletters) {
  return default_config() + "deadletters: " + deadletters + "\n";
}

/// A track without an event name: refused with 400 and kept as a dead letter.
void send_refused(http_client& client, const std::string& marker) {
  auto res = post_json(client, "/v1/batch",
                       batch_of({R"({"type":"track","userId":"dl-user","properties":{"marker":")" +
                                 marker + "\"}}"}));
  BOOST_TEST_REQUIRE(res.status == 400, res.status << " " << res.body);
}

/// The raw texts of the stored letters, newest first.
std::vector<std::string> stored_raws(http_client& client) {
  auto r = client.get("/admin/api/deadletters?limit=10000");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  std::vector<std::string> out;
  const json_doc letters(r.body);
  for (auto item : letters.items("/deadLetters"))
    out.push_back(string_field(item, "raw").value_or(""));
  return out;
}

bool holds(const std::vector<std::string>& raws, const std::string& marker) {
  for (const auto& raw : raws)
    if (raw.find(marker) != std::string::npos)
      return true;
  return false;
}

/// Only the server-log shape: browser (web) events find no mapping and become dead letters.
std::string logs_only_config() {
  return default_config() +
         "events:\n"
         "  mappings:\n"
         "    - {name: server_log, when: [log_line], user_id: user, type: event, timestamp: time,"
         " timestamp_unit: iso8601, session_id: session, event_id: id}\n";
}

std::string web_event(const std::string& user, const std::string& event_id) {
  return R"({"event_type":"click","user_id":")" + user +
         R"(","timestamp":1714564800000,"path":"/p","session_id":"s1","event_id":")" + event_id +
         "\"}";
}

http_response post_events(http_client& client, const std::string& json_array) {
  return client.request("POST", "/v1/events", json_array,
                        {{"Content-Type", "application/json"}, {"Authorization", basic_auth("test-key")}});
}

http_response replay(http_client& client, const std::string& selection) {
  return client.request("POST", "/admin/api/deadletters/replay", selection,
                        {{"Content-Type", "application/json"}});
}

std::optional<std::int64_t> count_at(const http_response& res, const char* pointer) {
  return json_doc(res.body).int_at(pointer);
}

} // namespace

BOOST_AUTO_TEST_SUITE(deadletters)

BOOST_AUTO_TEST_CASE(replay_after_a_mapping_fix_applies_each_letter_once) {
  cohortd_process server(logs_only_config());
  const auto user = unique_id("web-user");
  {
    http_client client("127.0.0.1", server.port());
    // Three web events (no mapping yet) and one that no mapping will ever take.
    auto res = post_events(client, "[" + web_event(user, "e1") + "," + web_event(user, "e2") +
                                       "," + web_event(user, "e3") + R"(,{"nothing":"here"}])");
    BOOST_TEST_REQUIRE(res.status == 400, res.body);
    BOOST_TEST(stored_raws(client).size() == 4u);
    BOOST_TEST(replay(client, "{}").status == 400, "a replay must select something");
    BOOST_TEST(replay(client, R"({"reason":"x","bogus":1})").status == 400);
  }
  // The fix: the built-in web shape is back.
  server.stop();
  write_file(server.config_path(), default_config());
  server.start();
  http_client client("127.0.0.1", server.port());

  auto res = replay(client, R"({"reason":"no mapping rule matches","from":"2020-01-01T00:00:00Z"})");
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  BOOST_TEST(count_at(res, "/selected") == std::optional<std::int64_t>(4), res.body);
  BOOST_TEST(count_at(res, "/replayed") == std::optional<std::int64_t>(3), res.body);
  BOOST_TEST(count_at(res, "/failedAgain") == std::optional<std::int64_t>(1), res.body);
  auto poll = wait_for_profile(client, user, [](const json_doc& p) {
    return event_count(p, "click") == 3;
  });
  BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  BOOST_TEST(poll.doc->int_at("/events") == std::optional<std::int64_t>(3), poll.body);

  // The replayed letters are gone; the one that failed again stays, with this time's reason.
  auto raws = stored_raws(client);
  BOOST_TEST_REQUIRE(raws.size() == 1u);
  BOOST_TEST(raws[0].find("nothing") != std::string::npos, raws[0]);
  // Replaying again takes only that one, and the events sent again by a client are
  // caught by dedup: still three clicks.
  auto again = replay(client, R"({"reason":"no mapping rule matches"})");
  BOOST_TEST(count_at(again, "/selected") == std::optional<std::int64_t>(1), again.body);
  BOOST_TEST(count_at(again, "/replayed") == std::optional<std::int64_t>(0), again.body);
  auto resent = post_events(client, "[" + web_event(user, "e1") + "]");
  BOOST_TEST(resent.status == 200, resent.body);
  BOOST_TEST(eventually([&] {
    auto m = client.get("/metrics");
    return m.body.find("cohort_dedup_hits_total 1") != std::string::npos;
  }), "the resent event was not caught by dedup");
  auto after = client.get("/v1/profiles/" + user);
  BOOST_TEST(json_doc(after.body).int_at("/events") == std::optional<std::int64_t>(3), after.body);
}

BOOST_AUTO_TEST_CASE(replay_selects_by_ids_and_time) {
  server_fixture f(logs_only_config());
  const auto user = unique_id("web-user");
  auto res = post_events(f.client, "[" + web_event(user, "e1") + "," + web_event(user, "e2") + "]");
  BOOST_TEST_REQUIRE(res.status == 400, res.body);
  auto listing = f.client.get("/admin/api/deadletters?limit=10");
  const json_doc letters(listing.body);
  auto items = letters.items("/deadLetters");
  BOOST_TEST_REQUIRE(items.size() == 2u, listing.body);
  auto newest_id = int_field(items[0], "id");
  BOOST_TEST_REQUIRE(newest_id.has_value());
  // Nothing stored in the future.
  auto none = replay(f.client, R"({"from":"2999-01-01T00:00:00Z"})");
  BOOST_TEST(count_at(none, "/selected") == std::optional<std::int64_t>(0), none.body);
  // By id: only that letter, failing again (the mapping is still missing) under a new id.
  auto one = replay(f.client, "{\"ids\":[" + std::to_string(*newest_id) + "]}");
  BOOST_TEST(count_at(one, "/selected") == std::optional<std::int64_t>(1), one.body);
  BOOST_TEST(count_at(one, "/failedAgain") == std::optional<std::int64_t>(1), one.body);
  auto after = f.client.get("/admin/api/deadletters?limit=10");
  const json_doc now(after.body);
  auto kept = now.items("/deadLetters");
  BOOST_TEST_REQUIRE(kept.size() == 2u, after.body);
  BOOST_TEST(int_field(kept[0], "id") > newest_id, after.body);
  BOOST_TEST(string_field(kept[0], "reason").value_or("").find("no mapping rule matches") == 0u,
             after.body);
}

BOOST_AUTO_TEST_CASE(letters_older_than_max_age_are_pruned) {
  server_fixture f(retention_config("{max_age: 1s, prune_interval: 100ms}"));
  const auto marker = unique_id("old");
  send_refused(f.client, marker);
  BOOST_TEST_REQUIRE(holds(stored_raws(f.client), marker), "the letter was never stored");
  BOOST_TEST(eventually([&] { return stored_raws(f.client).empty(); }, seconds(10)),
             "a letter older than max_age is still stored");
  // The store goes on taking letters after pruning.
  const auto fresh = unique_id("fresh");
  send_refused(f.client, fresh);
  BOOST_TEST(holds(stored_raws(f.client), fresh));
}

BOOST_AUTO_TEST_CASE(past_max_bytes_the_oldest_letters_go_first) {
  server_fixture f(retention_config("{max_age: 7d, max_bytes: 2KiB, prune_interval: 100ms}"));
  std::vector<std::string> markers;
  for (int i = 0; i < 40; ++i) {
    markers.push_back(unique_id("m" + std::to_string(i)));
    send_refused(f.client, markers.back());
  }
  std::vector<std::string> raws;
  BOOST_TEST_REQUIRE(eventually([&] {
                       raws = stored_raws(f.client);
                       return !holds(raws, markers.front());
                     }, seconds(10)),
                     "the oldest letter was not pruned; " << raws.size() << " stored");
  std::size_t bytes = 0;
  for (const auto& raw : raws)
    bytes += raw.size();
  BOOST_TEST(bytes <= 2048u, "raw bytes kept: " << bytes);
  BOOST_TEST(!raws.empty());
  BOOST_TEST(holds(raws, markers.back()), "the newest letter was pruned");
  // Newest first, and what is kept is a suffix of what was sent.
  for (std::size_t i = 0; i < raws.size(); ++i)
    BOOST_TEST(raws[i].find(markers[markers.size() - 1 - i]) != std::string::npos,
               i << ": " << raws[i] << " expected " << markers[markers.size() - 1 - i]);
}

BOOST_AUTO_TEST_SUITE_END()
