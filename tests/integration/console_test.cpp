// The console's server side against a live cohortd with an admin token: /metrics read
// as Prometheus text, the admin actor/segment/rules APIs and their token check, the
// WebSocket inspect op, and cohortctl's nodes/actors/inspect/segments commands.
#include <boost/test/unit_test.hpp>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "messages.hpp"
#include "test_support.hpp"
#include "ws_client.hpp"

using namespace cohort::it;

namespace {

const std::string admin_token = "console-token";

const std::string rules_yaml = R"(tags:
  - {name: Window Shopper, when: 'product_views >= 2'}
segments:
  - {name: Browsers, when: 'product_views >= 2'}
  - {name: Visitors, when: 'true'}
)";

std::string console_config() {
  return "admin: {token: " + admin_token + "}\n"
         + "ingest: {write_keys: [test-key], dedup_window: 24h}\n" + rules_yaml;
}

struct console_fixture : server_fixture {
  console_fixture() : server_fixture(console_config()) {}

  http_response admin_get(const std::string& target, const std::string& token = admin_token) {
    return client.request("GET", target, {}, {{"Authorization", "Bearer " + token}});
  }

  /// Sends `views` product views for `user` and waits until they are applied.
  void browse(const std::string& user, int views) {
    std::vector<std::string> msgs;
    for (int i = 0; i < views; ++i)
      msgs.push_back(track_msg(user, "Product Viewed", unique_id("m"),
                               R"(,"properties":{"product_id":"p)" + std::to_string(i) + "\"}"));
    auto res = post_json(client, "/v1/batch", batch_of(msgs));
    BOOST_TEST_REQUIRE(res.status == 200, res.body);
    auto poll = wait_for_profile(client, user,
                                 [&](const json_doc& p) { return p.int_at("/events") == views; });
    BOOST_TEST_REQUIRE(poll.satisfied, poll.body);
  }
};

std::string describe(const run_result& r) {
  return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "")
         + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

/// Samples of a Prometheus text exposition, checked line by line while parsing.
struct prom_text {
  std::map<std::string, std::string> types;
  std::multimap<std::string, std::pair<std::map<std::string, std::string>, double>> samples;

  std::optional<double> value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const {
    auto [lo, hi] = samples.equal_range(name);
    for (auto it = lo; it != hi; ++it)
      if (it->second.first == labels)
        return it->second.second;
    return std::nullopt;
  }
};

prom_text parse_prometheus(const std::string& text) {
  static const std::regex comment(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)");
  static const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
  static const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$))re");
  prom_text out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, comment)) {
      if (m[1] == "TYPE")
        out.types[m[2]] = m[3];
      continue;
    }
    BOOST_TEST_REQUIRE(std::regex_match(line, m, sample), "not Prometheus text: '" << line << "'");
    std::map<std::string, std::string> labels;
    std::string label_text = m[3];
    for (std::sregex_iterator it(label_text.begin(), label_text.end(), label), end; it != end; ++it)
      labels[(*it)[1]] = (*it)[2];
    const std::string value = m[4];
    double v = value == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(value);
    out.samples.emplace(m[1], std::make_pair(std::move(labels), v));
  }
  return out;
}

/// The family a sample belongs to: histogram samples carry _bucket/_sum/_count.
std::string family_of(const std::string& name, const prom_text& doc) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      auto base = name.substr(0, name.size() - s.size());
      if (doc.types.count(base) && doc.types.at(base) == "histogram")
        return base;
    }
  }
  return name;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(console, console_fixture, *boost::unit_test::label("processes"))

BOOST_AUTO_TEST_CASE(metrics_are_prometheus_text) {
  const auto user = unique_id("metrics-user");
  auto res = post_json(client, "/v1/batch",
                       batch_of({track_msg(user, "Product Viewed", unique_id("m")),
                                 R"({"type":"track","event":"No user","messageId":"x"})"}));
  BOOST_TEST_REQUIRE(res.status == 400, res.body);  // one accepted, one rejected
  BOOST_TEST_REQUIRE(wait_for_profile(client, user, [](const json_doc&) { return true; }).satisfied);

  auto m = client.get("/metrics");  // open: scrapers carry no admin token
  BOOST_TEST_REQUIRE(m.status == 200, m.body);
  BOOST_TEST(m.header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0u, m.header("Content-Type"));
  auto doc = parse_prometheus(m.body);
  for (const auto& [name, sample] : doc.samples)
    BOOST_TEST(doc.types.count(family_of(name, doc)) == 1u, "no TYPE for " << name);

  BOOST_TEST(doc.types["cohort_events_accepted_total"] == "counter");
  BOOST_TEST(doc.value("cohort_events_accepted_total").value_or(0) >= 1);
  BOOST_TEST(doc.value("cohort_events_rejected_total", {{"reason", "missing_field"}}).value_or(0) == 1);
  BOOST_TEST(doc.value("cohort_events_rejected_total", {{"reason", "late"}}).has_value());
  BOOST_TEST(doc.value("cohort_ingest_requests_total").value_or(0) >= 1);
  BOOST_TEST(doc.value("cohort_dedup_hits_total").has_value());
  BOOST_TEST(doc.types["cohort_actors_live"] == "gauge");
  BOOST_TEST(doc.value("cohort_actors_live").value_or(0) >= 1);
  BOOST_TEST(doc.value("cohort_rocksdb_estimated_keys", {{"cf", "events"}}).has_value());
  BOOST_TEST(doc.value("cohort_rocksdb_sst_files_bytes", {{"cf", "snapshots"}}).has_value());

  // Histograms: cumulative buckets ending in +Inf, which equals _count.
  for (const std::string h : {"cohort_ack_latency_seconds", "cohort_push_latency_seconds"}) {
    BOOST_TEST(doc.types[h] == "histogram");
    double previous = 0;
    auto [lo, hi] = doc.samples.equal_range(h + "_bucket");
    BOOST_TEST(std::distance(lo, hi) > 1);
    for (auto it = lo; it != hi; ++it) {
      BOOST_TEST(it->second.second >= previous, h << " buckets must be cumulative");
      previous = it->second.second;
    }
    BOOST_TEST(doc.value(h + "_bucket", {{"le", "+Inf"}}) == doc.value(h + "_count"));
  }
}

BOOST_AUTO_TEST_CASE(ack_latency_counts_acknowledged_requests) {
  const auto user = unique_id("ack-user");
  for (int i = 0; i < 3; ++i)
    BOOST_TEST_REQUIRE(post_json(client, "/v1/batch", batch_of({page_msg(user, "Home", unique_id("m"))})).status == 200);
  auto doc = parse_prometheus(client.get("/metrics").body);
  BOOST_TEST(doc.value("cohort_ack_latency_seconds_count").value_or(0) == 3);
  BOOST_TEST(doc.value("cohort_ack_latency_seconds_sum").value_or(0) > 0);
}

BOOST_AUTO_TEST_CASE(admin_api_needs_the_token) {
  for (const std::string target : {"/admin/api/actors", "/admin/api/segments", "/admin/api/rules",
                                   "/admin/api/stats", "/admin/api/actors/someone"}) {
    BOOST_TEST(client.get(target).status == 401, target);
    BOOST_TEST(admin_get(target, "wrong-token").status == 401, target);
  }
  BOOST_TEST(admin_get("/admin/api/actors").status == 200);
  // The console's check answers 200 either way, so that a browser logs no error.
  json_doc open(client.get("/admin/api/session").body);
  BOOST_TEST(open.bool_at("/tokenRequired") == std::optional<bool>(true));
  BOOST_TEST(open.bool_at("/authorized") == std::optional<bool>(false));
  json_doc signed_in(admin_get("/admin/api/session").body);
  BOOST_TEST(signed_in.bool_at("/authorized") == std::optional<bool>(true));
}

BOOST_AUTO_TEST_CASE(console_files_are_served) {
  auto index = client.get("/console");
  BOOST_TEST_REQUIRE(index.status == 200);
  BOOST_TEST(index.header("Content-Type").rfind("text/html", 0) == 0u);
  BOOST_TEST(index.body.find("/console/js/app.js") != std::string::npos);
  BOOST_TEST(client.get("/console/").status == 200);
  auto js = client.get("/console/js/app.js");
  BOOST_TEST(js.status == 200);
  BOOST_TEST(js.header("Content-Type").rfind("text/javascript", 0) == 0u);
  BOOST_TEST(client.get("/console/css/console.css").status == 200);
  BOOST_TEST(client.get("/console/nope.js").status == 404);
}

BOOST_AUTO_TEST_CASE(actors_are_listed_filtered_and_paged) {
  const auto prefix = unique_id("pager");
  std::set<std::string> users;
  for (int i = 0; i < 5; ++i) {
    users.insert(prefix + "-" + std::to_string(i));
    browse(prefix + "-" + std::to_string(i), 1);
  }
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 5; ++page) {
    auto res = admin_get("/admin/api/actors?limit=2&filter=" + prefix + "&after=" + after);
    BOOST_TEST_REQUIRE(res.status == 200, res.body);
    json_doc doc(res.body);
    for (auto a : doc.items("/actors")) {
      seen.push_back(*string_field(a, "userId"));
      BOOST_TEST(string_field(a, "segment") == std::optional<std::string>("Visitors"));
      BOOST_TEST(int_field(a, "events") == std::optional<std::int64_t>(1));
      BOOST_TEST(int_field(a, "mailboxDepth").has_value());
    }
    auto next = doc.string_at("/next");
    if (!next)
      break;
    BOOST_TEST(doc.array_size("/actors") == std::optional<std::size_t>(2));
    after = *next;
  }
  BOOST_TEST(std::set<std::string>(seen.begin(), seen.end()) == users);
  BOOST_TEST(seen.size() == users.size(), "a user was listed twice");
  BOOST_TEST(std::is_sorted(seen.begin(), seen.end()));
  BOOST_TEST(admin_get("/admin/api/actors?limit=0").status == 400);
}

BOOST_AUTO_TEST_CASE(one_actor_shows_profile_and_mailbox_depth) {
  const auto user = unique_id("detail");
  browse(user, 2);
  auto res = admin_get("/admin/api/actors/" + user);
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  json_doc doc(res.body);
  BOOST_TEST(doc.string_at("/userId") == std::optional<std::string>(user));
  BOOST_TEST(doc.string_at("/segment") == std::optional<std::string>("Browsers"));
  BOOST_TEST(doc.int_at("/mailboxDepth").has_value());
  BOOST_TEST(doc.array_size("/recentEvents") == std::optional<std::size_t>(2));
  BOOST_TEST(doc.at("/scoreBreakdown").has_value());
  BOOST_TEST(admin_get("/admin/api/actors/" + unique_id("nobody")).status == 404);
}

BOOST_AUTO_TEST_CASE(segments_count_live_actors) {
  browse(unique_id("seg-a"), 2);
  browse(unique_id("seg-b"), 3);
  browse(unique_id("seg-c"), 1);
  auto res = admin_get("/admin/api/segments");
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  json_doc doc(res.body);
  std::map<std::string, std::int64_t> sizes;
  for (auto s : doc.items("/segments"))
    sizes[*string_field(s, "name")] = *int_field(s, "count");
  BOOST_TEST(sizes["Browsers"] == 2);
  BOOST_TEST(sizes["Visitors"] == 1);
  BOOST_TEST(sizes.count("default") == 1u);  // rule order, empty ones included
  BOOST_TEST(doc.int_at("/live") == std::optional<std::int64_t>(3));
  BOOST_TEST(doc.bool_at("/exact") == std::optional<bool>(true));
  auto tags = doc.items("/tags");
  BOOST_TEST_REQUIRE(tags.size() == 1u);
  BOOST_TEST(string_field(tags[0], "name") == std::optional<std::string>("Window Shopper"));
  BOOST_TEST(int_field(tags[0], "count") == std::optional<std::int64_t>(2));
  BOOST_TEST(doc.array_size("/history").value_or(0) >= 1u);
}

BOOST_AUTO_TEST_CASE(rules_show_the_file_and_reload_errors) {
  auto res = admin_get("/admin/api/rules");
  BOOST_TEST_REQUIRE(res.status == 200, res.body);
  json_doc doc(res.body);
  BOOST_TEST(doc.int_at("/version") == std::optional<std::int64_t>(1));
  BOOST_TEST(doc.string_at("/segments/0/when") == std::optional<std::string>("product_views >= 2"));
  BOOST_TEST(doc.string_at("/running/segments/1") == std::optional<std::string>("Visitors"));
  auto text = doc.string_at("/text").value_or("");
  BOOST_TEST(text.find("Window Shopper") != std::string::npos, text);
  BOOST_TEST(text.find(admin_token) == std::string::npos, "secrets must not be shown: " << text);

  write_file(server.config_path(), "admin: {token: " + admin_token + "}\n"
                                     "segments:\n  - {name: Broken, when: 'scor > 1'}\n");
  auto refused = client.request("POST", "/admin/api/reload", {}, {{"Authorization", "Bearer " + admin_token}});
  BOOST_TEST(refused.status == 400, refused.body);
  json_doc after(admin_get("/admin/api/rules").body);
  BOOST_TEST(after.array_size("/fileErrors").value_or(0) >= 1u, after.text());
  BOOST_TEST(after.int_at("/version") == std::optional<std::int64_t>(1));
}

BOOST_AUTO_TEST_CASE(inspect_streams_profile_changes) {
  const auto user = unique_id("inspected");
  ws_client ws(server.port(), "/v1/stream?token=" + admin_token);
  ws.send(R"({"op":"inspect","userId":")" + user + R"("})");
  auto ack = ws.next(std::chrono::seconds(5));
  BOOST_TEST_REQUIRE(ack.has_value());
  BOOST_TEST(json_doc(*ack).string_at("/op") == std::optional<std::string>("inspect"), *ack);

  // Frames come when the profile changes; wait for the one that shows `events`.
  auto frame_with_events = [&](std::int64_t events) -> std::optional<json_doc> {
    const auto deadline = clock::now() + std::chrono::seconds(10);
    while (clock::now() < deadline) {
      auto msg = ws.next(std::chrono::milliseconds(500));
      if (!msg)
        continue;
      json_doc frame(*msg);
      if (frame.string_at("/type") == std::optional<std::string>("profile")
          && frame.int_at("/profile/events") == std::optional<std::int64_t>(events))
        return frame;
    }
    return std::nullopt;
  };
  BOOST_TEST_REQUIRE(post_json(client, "/v1/batch", batch_of({page_msg(user, "Home", unique_id("m"))})).status == 200);
  auto first = frame_with_events(1);
  BOOST_TEST_REQUIRE(first.has_value(), "no profile frame with 1 event");
  BOOST_TEST(first->string_at("/userId") == std::optional<std::string>(user));
  BOOST_TEST(first->int_at("/mailboxDepth").has_value());
  BOOST_TEST(first->string_at("/profile/segment") == std::optional<std::string>("Visitors"));

  BOOST_TEST_REQUIRE(post_json(client, "/v1/batch",
                               batch_of({track_msg(user, "Product Viewed", unique_id("m")),
                                         track_msg(user, "Product Viewed", unique_id("m"))}))
                       .status == 200);
  auto second = frame_with_events(3);
  BOOST_TEST_REQUIRE(second.has_value(), "no profile frame with 3 events");
  BOOST_TEST(second->string_at("/profile/segment") == std::optional<std::string>("Browsers"));
}

BOOST_AUTO_TEST_CASE(inspect_needs_the_token) {
  for (const std::string target : {"/v1/stream", "/v1/stream?token=wrong"}) {
    ws_client ws(server.port(), target);
    ws.send(R"({"op":"inspect","userId":"someone"})");
    auto reply = ws.next(std::chrono::seconds(5));
    BOOST_TEST_REQUIRE(reply.has_value());
    json_doc doc(*reply);
    BOOST_TEST(doc.string_at("/type") == std::optional<std::string>("error"), *reply);
    BOOST_TEST(doc.string_at("/reason").value_or("").find("token") != std::string::npos, *reply);
  }
}

BOOST_AUTO_TEST_CASE(cohortctl_commands_print_tables_and_json) {
  const auto prefix = unique_id("ctl");
  browse(prefix + "-a", 2);
  browse(prefix + "-b", 1);
  const std::vector<std::string> base = {"--server", server.base_url(), "--token", admin_token};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), base.begin(), base.end());
    return run_cohortctl(args);
  };

  auto nodes = run({"nodes"});
  BOOST_TEST(nodes.exit_code == 0, describe(nodes));
  BOOST_TEST(nodes.out.find("NODE") != std::string::npos, describe(nodes));
  BOOST_TEST(nodes.out.find("node-1") != std::string::npos, describe(nodes));

  auto actors = run({"actors", "--filter", prefix});
  BOOST_TEST(actors.exit_code == 0, describe(actors));
  BOOST_TEST(actors.out.find(prefix + "-a") != std::string::npos, describe(actors));
  BOOST_TEST(actors.out.find("Browsers") != std::string::npos, describe(actors));
  BOOST_TEST(actors.out.find("2 actors") != std::string::npos, describe(actors));

  auto page = run({"--json", "actors", "--filter", prefix, "--limit", "1"});
  BOOST_TEST_REQUIRE(page.exit_code == 0, describe(page));
  json_doc page_doc(page.out);
  BOOST_TEST(page_doc.array_size("/actors") == std::optional<std::size_t>(1));
  BOOST_TEST(page_doc.string_at("/next") == std::optional<std::string>(prefix + "-a"));

  auto inspect = run({"inspect", prefix + "-a"});
  BOOST_TEST(inspect.exit_code == 0, describe(inspect));
  for (const char* part : {"mailbox depth", "score breakdown", "FACTOR", "features:", "product_views",
                           "recent events"})
    BOOST_TEST(inspect.out.find(part) != std::string::npos, part << " missing: " << describe(inspect));

  auto segments = run({"segments"});
  BOOST_TEST(segments.exit_code == 0, describe(segments));
  BOOST_TEST(std::regex_search(segments.out, std::regex(R"(Browsers\s+1\s)")), describe(segments));
  BOOST_TEST(segments.out.find("Window Shopper") != std::string::npos, describe(segments));
  auto segments_json = run({"--json", "segments"});
  BOOST_TEST_REQUIRE(segments_json.exit_code == 0, describe(segments_json));
  BOOST_CHECK_NO_THROW(json_doc{segments_json.out});

  auto refused = run_cohortctl({"--server", server.base_url(), "--token", "wrong", "actors"});
  BOOST_TEST(refused.exit_code == 1, describe(refused));
  auto unknown = run({"inspect", unique_id("nobody")});
  BOOST_TEST(unknown.exit_code == 1, describe(unknown));
  auto misuse = run({"segments", "--filter", "x"});
  BOOST_TEST(misuse.exit_code == 2, describe(misuse));
}

BOOST_AUTO_TEST_SUITE_END()
