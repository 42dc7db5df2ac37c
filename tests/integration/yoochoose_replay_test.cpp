// Real click sessions (YOOCHOOSE / RecSys Challenge 2015 sample, ../shared/data): replayed
// in event-time order as Segment "Product Viewed" batches; every user's profile must show
// the sessions, events and session features computed here independently from the file.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

constexpr std::size_t subset_sessions = 300;
constexpr std::size_t batch_size = 100;
constexpr std::int64_t gap_ms = 30 * 60 * 1000;

const std::string replay_config = R"(ingest: {write_keys: [test-key], dedup_window: 24h, max_body_bytes: 1048576}
sessions: {gap: 30m, allowed_lateness: 30d}
segments:
  - {name: Everyone, when: 'true'}
)";

/// $COHORT_SHARED_DIR, else the shared/ folder next to the source tree.
std::filesystem::path shared_dir() {
  if (const char* d = std::getenv("COHORT_SHARED_DIR"); d != nullptr && *d != '\0')
    return d;
  return (std::filesystem::path(source_dir()) / ".." / "shared").lexically_normal();
}

struct click {
  std::size_t line = 0;  ///< 1-based line in the file: the messageId.
  std::string session;
  std::string item;
  std::int64_t time_ms = 0;
};

/// "1396860669.277" -> 1396860669277, exactly (no floating point).
std::optional<std::int64_t> epoch_ms(const std::string& text) {
  auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? std::string() : text.substr(dot + 1);
  if (whole.empty() || whole.find_first_not_of("0123456789") != std::string::npos ||
      frac.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  frac = (frac + "000").substr(0, 3);
  return std::stoll(whole) * 1000 + std::stoll(frac);
}

/// Rows of the first `sessions` distinct SessionIds in file order.
std::vector<click> read_subset(const std::filesystem::path& file, std::size_t sessions) {
  const std::string text = read_file(file.string());
  BOOST_TEST_REQUIRE(!text.empty(), "cannot read " << file
                                                    << " (set COHORT_SHARED_DIR to the shared/ folder)");
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  BOOST_TEST_REQUIRE(line == "SessionId\tItemId\tTime", "unexpected header: " << line);
  std::vector<click> out;
  std::set<std::string> seen;
  std::size_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty())
      continue;
    std::istringstream fields(line);
    click c;
    std::string time;
    c.line = number;
    BOOST_TEST_REQUIRE(static_cast<bool>(std::getline(fields, c.session, '\t') &&
                                         std::getline(fields, c.item, '\t') &&
                                         std::getline(fields, time, '\t')),
                       "line " << number << ": " << line);
    auto ms = epoch_ms(time);
    BOOST_TEST_REQUIRE(ms.has_value(), "line " << number << ": bad time " << time);
    c.time_ms = *ms;
    if (!seen.count(c.session)) {
      if (seen.size() == sessions)
        break;  // Rows of a session are contiguous: the subset is complete.
      seen.insert(c.session);
    }
    out.push_back(std::move(c));
  }
  BOOST_TEST_REQUIRE(seen.size() == sessions, "the file holds only " << seen.size() << " sessions");
  return out;
}

/// What a profile must show, computed from the clicks of one SessionId.
struct expected_user {
  std::vector<click> clicks;  // in time order
  std::int64_t sessions = 0;
  std::int64_t bounces = 0;             ///< Sessions with exactly one view.
  std::int64_t last_events = 0;         ///< Events of the current (last) session.
  std::int64_t last_distinct_items = 0; ///< page_depth of the last session.
  double last_duration_s = 0;
};

std::map<std::string, expected_user> expectations(const std::vector<click>& rows) {
  std::map<std::string, expected_user> users;
  for (const auto& c : rows)
    users[c.session].clicks.push_back(c);
  for (auto& [id, u] : users) {
    std::stable_sort(u.clicks.begin(), u.clicks.end(),
                     [](const click& a, const click& b) { return a.time_ms < b.time_ms; });
    // Flink session windows, replayed in order: a new session starts when the time since
    // the user's previous event is at least the gap.
    std::vector<std::vector<const click*>> sessions;
    for (std::size_t i = 0; i < u.clicks.size(); ++i) {
      if (i == 0 || u.clicks[i].time_ms - u.clicks[i - 1].time_ms >= gap_ms)
        sessions.emplace_back();
      sessions.back().push_back(&u.clicks[i]);
    }
    u.sessions = static_cast<std::int64_t>(sessions.size());
    for (const auto& s : sessions)
      u.bounces += s.size() == 1;
    const auto& last = sessions.back();
    u.last_events = static_cast<std::int64_t>(last.size());
    std::set<std::string> items;
    for (const auto* c : last)
      items.insert(c->item);
    u.last_distinct_items = static_cast<std::int64_t>(items.size());
    u.last_duration_s = static_cast<double>(last.back()->time_ms - last.front()->time_ms) / 1000.0;
  }
  return users;
}

std::string product_viewed(const click& c) {
  return track_msg("yc-" + c.session, "Product Viewed", "yc-line-" + std::to_string(c.line),
                   R"(,"timestamp":")" + iso8601_from_ms(c.time_ms) +
                       R"(","properties":{"product_id":)" + quote(c.item) + "}");
}

struct replay_fixture : server_fixture {
  replay_fixture() : server_fixture(replay_config) {}
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(yoochoose_replay, replay_fixture)

BOOST_AUTO_TEST_CASE(sessions_and_events_match_the_clicks) {
  const auto file = shared_dir() / "data" / "yoochoose-clicks-100k_test.txt";
  auto rows = read_subset(file, subset_sessions);
  const auto users = expectations(rows);
  BOOST_TEST_REQUIRE(users.size() == subset_sessions);
  // The subset must exercise the gap: some SessionIds hold several 30-minute sessions.
  const auto multi = std::count_if(users.begin(), users.end(),
                                   [](const auto& u) { return u.second.sessions > 1; });
  BOOST_TEST_REQUIRE(multi > 0, "no SessionId of the subset spans a 30 min gap");
  BOOST_TEST_MESSAGE("replaying " << rows.size() << " clicks of " << users.size()
                                  << " SessionIds (" << multi << " with several sessions)");

  // Global event-time order (ties keep file order), batches of at most 100.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const click& a, const click& b) { return a.time_ms < b.time_ms; });
  for (std::size_t start = 0; start < rows.size(); start += batch_size) {
    std::vector<std::string> batch;
    for (std::size_t i = start; i < std::min(rows.size(), start + batch_size); ++i)
      batch.push_back(product_viewed(rows[i]));
    auto res = post_json(client, "/v1/batch", batch_of(batch));
    BOOST_TEST_REQUIRE(res.status == 200,
                       "batch at row " << start << ": " << res.status << " " << res.body);
  }

  std::size_t checked = 0;
  for (const auto& [session, want] : users) {
    const std::string user = "yc-" + session;
    const auto rows_of_user = static_cast<std::int64_t>(want.clicks.size());
    // Every event applied: from then on the profile is final.
    auto poll = wait_for_profile(
        client, user,
        [&](const json_doc& p) { return p.int_at("/events").value_or(0) >= rows_of_user; },
        std::chrono::seconds(30));
    BOOST_TEST_REQUIRE(poll.satisfied, user << " never showed " << rows_of_user
                                            << " events; last " << poll.status << " " << poll.body);
    const json_doc& p = *poll.doc;
    const std::string& t = p.text();
    BOOST_TEST(p.int_at("/events") == std::optional<std::int64_t>(rows_of_user), user << ": " << t);
    BOOST_TEST(event_count(p, "product_view") == rows_of_user, user << ": " << t);
    BOOST_TEST(p.int_at("/late") == std::optional<std::int64_t>(0), user << ": " << t);
    BOOST_TEST(p.int_at("/duplicates") == std::optional<std::int64_t>(0), user << ": " << t);
    BOOST_TEST(p.number_at("/features/sessions") == std::optional<double>(want.sessions),
               user << ": expected " << want.sessions << " sessions: " << t);
    BOOST_TEST(p.number_at("/features/event_count") == std::optional<double>(want.last_events),
               user << ": events of the last session: " << t);
    BOOST_TEST(p.number_at("/features/product_views") == std::optional<double>(want.last_events),
               user << ": " << t);
    BOOST_TEST(p.number_at("/features/page_depth") ==
                   std::optional<double>(want.last_distinct_items),
               user << ": distinct products of the last session: " << t);
    auto duration = p.number_at("/features/session_duration");
    BOOST_TEST_REQUIRE(duration.has_value(), t);
    BOOST_TEST(std::abs(*duration - want.last_duration_s) < 1e-6,
               user << ": session_duration " << *duration << ", expected " << want.last_duration_s);
    auto bounce = p.number_at("/features/bounce_rate");
    BOOST_TEST_REQUIRE(bounce.has_value(), t);
    const double want_bounce = static_cast<double>(want.bounces) / static_cast<double>(want.sessions);
    BOOST_TEST(std::abs(*bounce - want_bounce) < 1e-9,
               user << ": bounce_rate " << *bounce << ", expected " << want_bounce);
    auto last_seen = p.string_at("/lastSeen");
    BOOST_TEST((last_seen && parse_iso8601_ms(*last_seen) == want.clicks.back().time_ms),
               user << ": lastSeen " << last_seen.value_or("(none)"));
    auto first_seen = p.string_at("/firstSeen");
    BOOST_TEST((first_seen && parse_iso8601_ms(*first_seen) == want.clicks.front().time_ms),
               user << ": firstSeen " << first_seen.value_or("(none)"));
    ++checked;
  }
  BOOST_TEST(checked == subset_sessions);
}

BOOST_AUTO_TEST_SUITE_END()
