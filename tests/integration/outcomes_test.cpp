// The feedback loop (SPEC 5): POST /v1/outcomes validated, deduplicated and credited to
// the decision it names; the Thompson bandit moving traffic to the better variant while
// the holdout keeps its share; /admin/api/experiments matching what was posted, across a
// clean stop and a kill -9.
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <map>
#include <random>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

const std::string outcomes_config = R"(ingest: {write_keys: [test-key], dedup_window: 24h, max_body_bytes: 1048576}
segments:
  - {name: Everyone, when: 'true'}
content:
  placements:
    promo:
      strategy: thompson
      holdout: 0.1
      Everyone: [{id: A}, {id: B}]
      default: {id: control}
)";

/// What the client posted for one arm.
struct tally {
  std::int64_t impressions = 0;
  std::int64_t conversions = 0;
};

/// One decision as GET /v1/personalize answered it.
struct decision {
  std::string id;
  std::string segment;
  std::string variant;
  bool holdout = false;
};

decision decision_of(const json_doc& d) {
  return {d.string_at("/decisionId").value_or(""), d.string_at("/segment").value_or(""),
          d.string_at("/variant/id").value_or(""), d.bool_at("/holdout").value_or(false)};
}

std::string outcome(const std::string& decision_id, const std::string& kind,
                    const std::string& extra = "") {
  return "{\"decisionId\":" + quote(decision_id) + ",\"outcome\":" + quote(kind) + extra + "}";
}

std::string batch(const std::vector<std::string>& items) {
  std::string out = "{\"batch\":[";
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i > 0 ? "," : "") + items[i];
  return out + "]}";
}

struct outcomes_fixture : server_fixture {
  outcomes_fixture() : server_fixture(outcomes_config) {}

  /// Creates `users` (one event each) so that they are in segment Everyone.
  void make_users(const std::vector<std::string>& users) {
    for (std::size_t i = 0; i < users.size(); i += 500) {
      std::vector<std::string> messages;
      for (std::size_t j = i; j < std::min(users.size(), i + 500); ++j)
        messages.push_back(track_msg(users[j], "Product Viewed", users[j] + "-m"));
      auto res = post_json(client, "/v1/batch", batch_of(messages));
      BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    }
  }

  /// A decision for a user already in segment Everyone (waits until the user is applied).
  decision decide(const std::string& user) {
    decision d;
    BOOST_TEST_REQUIRE(eventually([&] {
      auto res = client.get("/v1/personalize?userId=" + user + "&placement=promo");
      BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
      d = decision_of(json_doc(res.body));
      return d.segment == "Everyone";
    }), user << " never reached segment Everyone");
    return d;
  }

  http_response post(const std::string& body, const std::string& key = "test-key") {
    return post_json(client, "/v1/outcomes", body, key);
  }

  json_doc experiments() {
    auto res = client.get("/admin/api/experiments");
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    return json_doc(res.body);
  }
};

/// The experiments entry of promo/Everyone: "" for the holdout, else a variant id.
std::optional<simdjson::dom::element> arm(const json_doc& doc, const std::string& variant) {
  for (auto p : doc.items("/placements")) {
    std::string_view name;
    simdjson::dom::array segments;
    if (p["placement"].get(name) != simdjson::SUCCESS || name != "promo"
        || p["segments"].get(segments) != simdjson::SUCCESS)
      continue;
    for (auto s : segments) {
      std::string_view segment;
      simdjson::dom::array variants;
      if (s["segment"].get(segment) != simdjson::SUCCESS || segment != "Everyone"
          || s["variants"].get(variants) != simdjson::SUCCESS)
        continue;
      if (variant.empty())
        return s["holdout"].value_unsafe();
      for (auto v : variants)
        if (std::string_view id; v["id"].get(id) == simdjson::SUCCESS && id == variant)
          return v;
    }
  }
  return std::nullopt;
}

std::int64_t count_of(const json_doc& doc, const std::string& variant, const char* field) {
  auto a = arm(doc, variant);
  std::uint64_t n = 0;
  if (!a || (*a)[field].get(n) != simdjson::SUCCESS)
    return -1;
  return static_cast<std::int64_t>(n);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(outcomes, outcomes_fixture)

// 6,000 synthetic users, one decision each; the client reports an impression for every
// decision and a conversion with probability 5% for A and the holdout's control, 10% for
// B. Thompson sampling must move the traffic to B; the holdout keeps its 10%.
BOOST_AUTO_TEST_CASE(bandit_learns_the_better_variant_and_keeps_it_across_restarts) {
  constexpr std::size_t users_count = 6000;
  constexpr std::size_t chunk = 50;
  std::vector<std::string> users;
  const auto prefix = unique_id("sim");
  for (std::size_t i = 0; i < users_count; ++i)
    users.push_back(prefix + "-" + std::to_string(i));
  make_users(users);

  std::mt19937 rng{17};
  std::bernoulli_distribution converts_a{0.05}, converts_b{0.10}, converts_control{0.05};
  std::map<std::string, tally> posted;  // "A", "B", "" (holdout)
  std::vector<std::string> served;      // non-holdout variants in order
  std::size_t holdouts = 0;
  for (std::size_t i = 0; i < users.size(); i += chunk) {
    std::vector<std::string> items;
    for (std::size_t j = i; j < std::min(users.size(), i + chunk); ++j) {
      auto d = decide(users[j]);
      const std::string key = d.holdout ? "" : d.variant;
      BOOST_TEST_REQUIRE((d.holdout ? d.variant == "control" : (key == "A" || key == "B")),
                         d.variant);
      holdouts += d.holdout;
      if (!d.holdout)
        served.push_back(d.variant);
      items.push_back(outcome(d.id, "impression"));
      ++posted[key].impressions;
      auto& converts = d.holdout ? converts_control : key == "A" ? converts_a : converts_b;
      if (converts(rng)) {
        items.push_back(outcome(d.id, "conversion", ",\"value\":12.5"));
        ++posted[key].conversions;
      }
    }
    auto res = post(batch(items));
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    BOOST_TEST_REQUIRE(json_doc(res.body).int_at("/counted")
                         == std::optional<std::int64_t>(items.size()), res.body);
  }

  const double holdout_share = static_cast<double>(holdouts) / users.size();
  BOOST_TEST(holdout_share >= 0.085);
  BOOST_TEST(holdout_share <= 0.115);
  const auto last = std::vector<std::string>(served.end() - 1000, served.end());
  const auto b_share = static_cast<double>(std::count(last.begin(), last.end(), "B")) / 1000;
  BOOST_TEST_MESSAGE("holdout share " << holdout_share << ", B in the last 1000 " << b_share);
  BOOST_TEST(b_share >= 0.8);

  const auto before = experiments();
  for (const std::string key : {"A", "B", ""}) {
    BOOST_TEST(count_of(before, key, "impressions") == posted[key].impressions, "arm '" << key << "'");
    BOOST_TEST(count_of(before, key, "conversions") == posted[key].conversions, "arm '" << key << "'");
  }
  auto b = arm(before, "B");
  BOOST_TEST_REQUIRE(b.has_value());
  double lift = 0;
  BOOST_TEST_REQUIRE((*b)["lift"].get(lift) == simdjson::SUCCESS, before.text());
  const double b_rate = static_cast<double>(posted["B"].conversions) / posted["B"].impressions;
  const double control_rate = static_cast<double>(posted[""].conversions) / posted[""].impressions;
  BOOST_TEST(lift == b_rate / control_rate - 1, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(before.int_at("/version") > std::optional<std::int64_t>(0), before.text());

  // A clean stop, then a kill -9: the posteriors are what was acknowledged.
  BOOST_TEST_REQUIRE(server.stop() == 0, server.stderr_text());
  server.start();
  http_client after("127.0.0.1", server.port());
  auto res = after.get("/admin/api/experiments");
  BOOST_TEST(res.body == before.text());
  auto last_decision = decision_of(json_doc(
    after.get("/v1/personalize?userId=" + users.front() + "&placement=promo").body));
  server.stop(SIGKILL);
  server.start();
  http_client killed("127.0.0.1", server.port());
  res = killed.get("/admin/api/experiments");
  BOOST_TEST(res.body == before.text());
  // The decision made before the kill can still be credited.
  res = post_json(killed, "/v1/outcomes", outcome(last_decision.id, "conversion"));
  BOOST_TEST(res.status == 200, res.body);
  const auto credited = json_doc(killed.get("/admin/api/experiments").body);
  const std::string key = last_decision.holdout ? "" : last_decision.variant;
  BOOST_TEST(count_of(credited, key, "conversions") == posted[key].conversions + 1);
  BOOST_TEST(count_of(credited, key, "impressions") == posted[key].impressions + 1);
}

BOOST_AUTO_TEST_CASE(invalid_outcomes_are_refused_with_reasons_and_nothing_counted) {
  const auto user = unique_id("val");
  make_users({user});
  const auto d = decide(user);
  struct bad {
    std::string body;
    std::string reason;
  };
  for (const auto& b : std::vector<bad>{
         {"{not json", "malformed JSON"},
         {"[1]", "expected a JSON object"},
         {outcome(d.id, "purchase"), "unknown outcome 'purchase'"},
         {"{\"decisionId\":" + quote(d.id) + "}", "outcome is required"},
         {"{\"outcome\":\"click\"}", "decisionId, or userId and placement, are required"},
         {"{\"userId\":\"u\",\"placement\":\"nowhere\",\"outcome\":\"click\"}",
          "unknown placement 'nowhere'"},
         {outcome(d.id, "click", ",\"value\":\"12\""), "value must be a number"},
         {"{\"decisionId\":7,\"outcome\":\"click\"}", "decisionId must be a non-empty string"},
         {"{\"batch\":[]}", "batch must be a non-empty array"},
       }) {
    auto res = post(b.body);
    BOOST_TEST(res.status == 400, b.body << " -> " << res.status);
    BOOST_TEST(res.body.find(b.reason) != std::string::npos, b.body << " -> " << res.body);
  }
  // One bad item refuses the whole batch, naming its index: the good one is not counted.
  auto res = post(batch({outcome(d.id, "click"), outcome(d.id, "view")}));
  BOOST_TEST(res.status == 400);
  auto doc = json_doc(res.body);
  BOOST_TEST(doc.int_at("/rejected/0/index") == std::optional<std::int64_t>(1), res.body);
  BOOST_TEST(count_of(experiments(), d.holdout ? "" : d.variant, "clicks") == 0);

  BOOST_TEST(post(outcome(d.id, "click"), "").status == 401);
  BOOST_TEST(post(outcome(d.id, "click"), "wrong-key").status == 401);
  BOOST_TEST(post(outcome(d.id, "click")).status == 200);
  BOOST_TEST(count_of(experiments(), d.holdout ? "" : d.variant, "clicks") == 1);
}

BOOST_AUTO_TEST_CASE(the_same_outcome_twice_counts_once) {
  const auto user = unique_id("dup");
  make_users({user});
  const auto d = decide(user);
  const std::string key = d.holdout ? "" : d.variant;
  auto first = post(outcome(d.id, "conversion", ",\"messageId\":\"m-1\""));
  BOOST_TEST(first.status == 200, first.body);
  BOOST_TEST(json_doc(first.body).string_at("/results/0/status") == std::optional<std::string>("counted"));
  // Retried with the same messageId, and sent again without one: both are duplicates.
  for (const auto& body : {outcome(d.id, "conversion", ",\"messageId\":\"m-1\""),
                           outcome(d.id, "conversion")}) {
    auto again = post(body);
    BOOST_TEST(again.status == 200, again.body);
    BOOST_TEST(json_doc(again.body).string_at("/results/0/status")
                 == std::optional<std::string>("duplicate"), again.body);
  }
  // A messageId counted once is a duplicate even on another outcome kind.
  auto reused = post(outcome(d.id, "click", ",\"messageId\":\"m-1\""));
  BOOST_TEST(json_doc(reused.body).string_at("/results/0/status")
               == std::optional<std::string>("duplicate"), reused.body);
  // The conversion implied the impression: a later impression does not add one.
  BOOST_TEST(post(outcome(d.id, "impression")).status == 200);
  // Twice in one batch, named by userId + placement (the user's latest decision).
  const std::string by_user = "{\"userId\":" + quote(user)
                              + ",\"placement\":\"promo\",\"outcome\":\"click\"}";
  auto twice = post(batch({by_user, by_user}));
  BOOST_TEST(twice.status == 200, twice.body);
  auto t = json_doc(twice.body);
  BOOST_TEST(t.int_at("/counted") == std::optional<std::int64_t>(1), twice.body);
  BOOST_TEST(t.int_at("/duplicates") == std::optional<std::int64_t>(1), twice.body);
  BOOST_TEST(t.string_at("/results/0/decisionId") == std::optional<std::string>(d.id), twice.body);

  auto e = experiments();
  BOOST_TEST(count_of(e, key, "impressions") == 1, e.text());
  BOOST_TEST(count_of(e, key, "conversions") == 1, e.text());
  BOOST_TEST(count_of(e, key, "clicks") == 1, e.text());
}

BOOST_AUTO_TEST_CASE(unknown_decisions_are_named) {
  auto single = post(outcome("d-never-made", "click"));
  BOOST_TEST(single.status == 404);
  BOOST_TEST(single.body.find("unknown decisionId 'd-never-made'") != std::string::npos, single.body);
  auto by_user = post("{\"userId\":\"nobody\",\"placement\":\"promo\",\"outcome\":\"click\"}");
  BOOST_TEST(by_user.status == 404);
  BOOST_TEST(by_user.body.find("no decision is kept for userId 'nobody'") != std::string::npos,
             by_user.body);
  // In a batch, the others are counted and the unknown one is reported by index.
  const auto user = unique_id("unk");
  make_users({user});
  const auto d = decide(user);
  auto res = post(batch({outcome(d.id, "click"), outcome("d-never-made", "click")}));
  BOOST_TEST(res.status == 200, res.body);
  auto doc = json_doc(res.body);
  BOOST_TEST(doc.string_at("/results/0/status") == std::optional<std::string>("counted"), res.body);
  BOOST_TEST(doc.string_at("/results/1/status") == std::optional<std::string>("unknown"), res.body);
  BOOST_TEST(doc.int_at("/unknown") == std::optional<std::int64_t>(1), res.body);
}

BOOST_AUTO_TEST_SUITE_END()
