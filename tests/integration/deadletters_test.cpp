// Dead-letter retention against a real node: letters older than deadletters.max_age are
// pruned, and past deadletters.max_bytes the oldest go first, newest kept.
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

} // namespace

BOOST_AUTO_TEST_SUITE(deadletters)

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
