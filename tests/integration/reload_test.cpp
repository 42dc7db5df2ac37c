// Rule reload without restart (README "Rule language", SPEC 3): POST /admin/api/reload
// and SIGHUP re-read the config file; a broken file is refused with every error located
// by rule, line and column and the running rules stay; a good one applies from the next
// event and bumps the model version. A broken rule at startup: exit 2, nothing written.
#include <signal.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

const std::string header = R"(ingest: {write_keys: [test-key], dedup_window: 24h, max_body_bytes: 1048576}
score:
  model: weighted
  weights: {cart_adds: 1}
  caps: {cart_adds: 2}
)";

/// Version 1: one cart add makes a Buyer.
const std::string rules_v1 = header + R"(tags: []
segments:
  - {name: Buyer, when: 'cart_adds >= 1'}
  - {name: Standard, when: 'true'}
content:
  placements:
    hero:
      Buyer: {id: buyer_offer, payload: {}}
      default: {id: generic, payload: {}}
)";

/// Broken: an unknown feature in a segment and a type error in a tag.
const std::string rules_broken = header + R"(tags:
  - {name: Hot, when: 'device > 1'}
segments:
  - {name: Buyer, when: 'cart_adds >= 1 && scor >= 0'}
  - {name: Standard, when: 'true'}
content:
  placements:
    hero:
      Buyer: {id: buyer_offer, payload: {}}
      default: {id: generic, payload: {}}
)";

/// Version 2: two cart adds make a Buyer; a product view makes a Browser.
const std::string rules_v2 = header + R"(tags:
  - {name: Viewer, when: 'product_views >= 1'}
segments:
  - {name: Buyer, when: 'cart_adds >= 2'}
  - {name: Browser, when: 'product_views >= 1'}
  - {name: Standard, when: 'true'}
content:
  placements:
    hero:
      Buyer: {id: buyer_offer, payload: {}}
      Browser: {id: browse_offer, payload: {}}
      default: {id: generic, payload: {}}
)";

/// Version 3: everyone is Standard.
const std::string rules_v3 = header + R"(tags: []
segments:
  - {name: Standard, when: 'true'}
content:
  placements:
    hero:
      default: {id: generic, payload: {}}
)";

/// 1-based line and column of the first occurrence of `needle` in `text`.
std::pair<int, int> position_of(const std::string& text, const std::string& needle) {
  auto at = text.find(needle);
  BOOST_TEST_REQUIRE(at != std::string::npos, needle << " not in the config");
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < at; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return {line, static_cast<int>(at - line_start) + 1};
}

/// "line L, column C: <rule>: <message start>" as README documents.
std::string located(const std::string& text, const std::string& needle, const std::string& rule,
                    const std::string& message) {
  auto [line, column] = position_of(text, needle);
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + rule +
         ": " + message;
}

std::string scor_error() {
  return located(rules_broken, "scor >=", "segments[0] (Buyer)", "unknown feature 'scor'");
}
std::string device_error_prefix() {
  auto [line, column] = position_of(rules_broken, "device > 1");
  (void)column;
  return "line " + std::to_string(line) + ", column ";
}

struct reload_fixture : server_fixture {
  reload_fixture() : server_fixture(rules_v1) {}

  void rewrite(const std::string& yaml) { write_file(server.config_path(), yaml); }

  http_response reload() { return client.request("POST", "/admin/api/reload"); }

  std::optional<std::int64_t> decision_version(const std::string& user = "reload-probe") {
    auto res = client.get("/v1/personalize?userId=" + user + "&placement=hero");
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    return json_doc(res.body).int_at("/model/version");
  }

  /// Posts the messages and waits until the user has applied them all; the profile.
  json_doc send(const std::string& user, const std::vector<std::string>& messages) {
    auto res = post_json(client, "/v1/batch", batch_of(messages));
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    return applied(user, messages.size());
  }

  json_doc applied(const std::string& user, std::size_t total_events) {
    auto poll = wait_for_profile(client, user, [&](const json_doc& p) {
      return p.int_at("/events") == std::optional<std::int64_t>(static_cast<std::int64_t>(total_events));
    });
    BOOST_TEST_REQUIRE(poll.satisfied, user << ": " << poll.status << " " << poll.body);
    return json_doc(poll.body);
  }

  std::string decision_variant(const std::string& user) {
    auto res = client.get("/v1/personalize?userId=" + user + "&placement=hero");
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    return json_doc(res.body).string_at("/variant/id").value_or("(none)");
  }
};

std::string add(const std::string& user, const std::string& id) {
  return track_msg(user, "Product Added", id);
}
std::string view(const std::string& user, const std::string& id) {
  return track_msg(user, "Product Viewed", id);
}

std::string segment_of(const json_doc& profile) {
  return profile.string_at("/segment").value_or("(none)");
}

std::vector<std::string> errors_of(const json_doc& doc) {
  std::vector<std::string> out;
  for (auto e : doc.items("/errors"))
    if (e.is_string())
      out.emplace_back(e.get_string().value_unsafe());
  return out;
}

bool any_contains(const std::vector<std::string>& xs, const std::string& needle) {
  for (const auto& x : xs)
    if (x.find(needle) != std::string::npos)
      return true;
  return false;
}

/// The pid of the cohortd started by `p`: a child of this process whose command line
/// names p's config file. cohortd_process does not expose its pid.
pid_t pid_of(const cohortd_process& p) {
  const pid_t self = ::getpid();
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream stat_file(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // "pid (comm) state ppid ...": comm may hold spaces, so parse after the last ')'.
    auto close = stat.rfind(')');
    if (close == std::string::npos)
      continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != self)
      continue;
    std::string cmdline = read_file(entry.path().string() + "/cmdline");
    if (cmdline.find(p.config_path()) != std::string::npos)
      return static_cast<pid_t>(std::stoi(name));
  }
  return -1;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(reload, reload_fixture)

BOOST_AUTO_TEST_CASE(broken_rules_are_refused_and_a_good_change_applies) {
  // Version 1 at work.
  const std::string early = unique_id("rl-early");
  BOOST_TEST(segment_of(send(early, {add(early, "e1")})) == "Buyer");
  BOOST_TEST(decision_version() == std::optional<std::int64_t>(1));

  // A broken file: 400, every error located, nothing applied.
  rewrite(rules_broken);
  auto res = reload();
  BOOST_TEST(res.status == 400, res.status << " " << res.body);
  {
    json_doc body(res.body);
    BOOST_TEST(body.bool_at("/applied") == std::optional<bool>(false), res.body);
    BOOST_TEST(body.int_at("/version") == std::optional<std::int64_t>(1), res.body);
    auto errors = errors_of(body);
    BOOST_TEST(errors.size() == 2u, res.body);
    BOOST_TEST(any_contains(errors, scor_error()),
               "expected an error containing \"" << scor_error() << "\" in " << res.body);
    BOOST_TEST(any_contains(errors, "(did you mean 'score'?)"), res.body);
    BOOST_TEST(any_contains(errors, device_error_prefix()), res.body);
    BOOST_TEST(any_contains(errors, "tags[0] (Hot)"), res.body);
  }
  // The old rules keep working: one cart add is still a Buyer, version still 1.
  const std::string during = unique_id("rl-during");
  auto during_profile = send(during, {add(during, "d1")});
  BOOST_TEST(segment_of(during_profile) == "Buyer", during_profile.text());
  BOOST_TEST(during_profile.int_at("/model/version") == std::optional<std::int64_t>(1));
  BOOST_TEST(decision_version() == std::optional<std::int64_t>(1));
  BOOST_TEST(decision_variant(during) == "buyer_offer");

  // A good change: 200, version 2.
  rewrite(rules_v2);
  res = reload();
  BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  {
    json_doc body(res.body);
    BOOST_TEST(body.bool_at("/applied") == std::optional<bool>(true), res.body);
    BOOST_TEST(body.int_at("/version") == std::optional<std::int64_t>(2), res.body);
    BOOST_TEST(body.array_size("/errors") == std::optional<std::size_t>(0), res.body);
  }
  BOOST_TEST(decision_version() == std::optional<std::int64_t>(2));
  BOOST_TEST(decision_version(early) == std::optional<std::int64_t>(2));
  auto early_profile = client.get("/v1/profiles/" + early);
  BOOST_TEST_REQUIRE(early_profile.status == 200, early_profile.body);
  BOOST_TEST(json_doc(early_profile.body).int_at("/model/version") == std::optional<std::int64_t>(2),
             early_profile.body);

  // New events follow the new rules.
  const std::string one_add = unique_id("rl-one-add");
  auto p1 = send(one_add, {add(one_add, "a1")});
  BOOST_TEST(segment_of(p1) == "Standard", p1.text());
  BOOST_TEST(p1.array_size("/tags") == std::optional<std::size_t>(0), p1.text());
  const std::string two_adds = unique_id("rl-two-adds");
  auto p2 = send(two_adds, {add(two_adds, "a1"), add(two_adds, "a2")});
  BOOST_TEST(segment_of(p2) == "Buyer", p2.text());
  const std::string viewer = unique_id("rl-viewer");
  auto p3 = send(viewer, {view(viewer, "v1")});
  BOOST_TEST(segment_of(p3) == "Browser", p3.text());
  BOOST_TEST(p3.array_size("/tags") == std::optional<std::size_t>(1), p3.text());
  BOOST_TEST(p3.string_at("/tags/0") == std::optional<std::string>("Viewer"), p3.text());
  BOOST_TEST(p3.int_at("/model/version") == std::optional<std::int64_t>(2), p3.text());
  BOOST_TEST(decision_variant(viewer) == "browse_offer");
  // A user from version 1 is re-evaluated on its next event: 1 cart add + 1 view.
  auto posted = post_json(client, "/v1/batch", batch_of({view(early, "e2")}));
  BOOST_TEST_REQUIRE(posted.status == 200, posted.body);
  auto early_now = applied(early, 2);
  BOOST_TEST(segment_of(early_now) == "Browser", early_now.text());

  // Reloading the same good file again still bumps the version.
  res = reload();
  BOOST_TEST(res.status == 200, res.body);
  BOOST_TEST(json_doc(res.body).int_at("/version") == std::optional<std::int64_t>(3), res.body);
}

BOOST_AUTO_TEST_CASE(sighup_reloads_the_rules) {
  const pid_t pid = pid_of(server);
  BOOST_TEST_REQUIRE(pid > 0, "cohortd's pid not found under /proc");
  BOOST_TEST(decision_version() == std::optional<std::int64_t>(1));

  rewrite(rules_v2);
  BOOST_TEST_REQUIRE(::kill(pid, SIGHUP) == 0);
  std::optional<std::int64_t> version;
  bool reloaded = eventually([&] {
    version = decision_version();
    return version == std::optional<std::int64_t>(2);
  });
  BOOST_TEST_REQUIRE(reloaded, "model version after SIGHUP: " << version.value_or(-1) << "; stdout: "
                                                               << server.stdout_text());
  const std::string one_add = unique_id("hup-one-add");
  BOOST_TEST(segment_of(send(one_add, {add(one_add, "a1")})) == "Standard");
  const std::string viewer = unique_id("hup-viewer");
  BOOST_TEST(segment_of(send(viewer, {view(viewer, "v1")})) == "Browser");

  // A broken file on SIGHUP: refused with the located errors on stderr, version stays.
  rewrite(rules_broken);
  BOOST_TEST_REQUIRE(::kill(pid, SIGHUP) == 0);
  const std::string expected = scor_error();
  bool reported = eventually([&] {
    return server.stderr_text().find(expected) != std::string::npos &&
           server.stdout_text().find("NOT reloaded") != std::string::npos;
  });
  BOOST_TEST(reported, "expected \"" << expected << "\" on stderr; stderr: "
                                     << server.stderr_text() << "\nstdout: " << server.stdout_text());
  BOOST_TEST(decision_version() == std::optional<std::int64_t>(2));
  const std::string after = unique_id("hup-after");
  BOOST_TEST(segment_of(send(after, {view(after, "v1")})) == "Browser");

  // Then a good file again: version 3.
  rewrite(rules_v3);
  BOOST_TEST_REQUIRE(::kill(pid, SIGHUP) == 0);
  reloaded = eventually([&] {
    version = decision_version();
    return version == std::optional<std::int64_t>(3);
  });
  BOOST_TEST_REQUIRE(reloaded, "model version after the third SIGHUP: " << version.value_or(-1));
  const std::string last = unique_id("hup-last");
  BOOST_TEST(segment_of(send(last, {view(last, "v1"), add(last, "a1"), add(last, "a2")})) == "Standard");
  BOOST_TEST(server.running());
}

BOOST_AUTO_TEST_CASE(reload_is_an_admin_endpoint) {
  // GET is not the reload; an admin token, when set, is required (see admin/auth tests).
  auto res = client.get("/admin/api/reload");
  BOOST_TEST(res.status == 405, res.status << " " << res.body);
  BOOST_TEST(decision_version() == std::optional<std::int64_t>(1));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reload_startup)

BOOST_AUTO_TEST_CASE(broken_rule_at_startup_exits_2_before_writing) {
  temp_dir dir("cohort-it-reload-start");
  const std::string config = dir.path() + "/cohort.yaml";
  const std::string data = dir.path() + "/data";
  write_file(config, rules_broken);
  auto r = run_cohortd({"--config", config, "--listen", "127.0.0.1:0", "--data", data},
                       std::chrono::seconds(10));
  BOOST_TEST(!r.timed_out, "cohortd kept running with a broken rule");
  BOOST_TEST(r.exit_code == 2, "exit code " << r.exit_code << "; stderr: " << r.err);
  const std::string expected = scor_error();
  BOOST_TEST(r.err.find(expected) != std::string::npos,
             "expected \"" << expected << "\" on stderr: " << r.err);
  BOOST_TEST(r.err.find("tags[0] (Hot)") != std::string::npos, "every error is reported: " << r.err);
  BOOST_TEST(r.out.find("listening") == std::string::npos, r.out);
  BOOST_TEST(!path_exists(data), "data directory was created");
}

BOOST_AUTO_TEST_SUITE_END()
