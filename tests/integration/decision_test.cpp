// Decision API GET /v1/personalize (SPEC 4): the live segment's variant from
// content.placements, the default for unknown users and unlisted segments, holdout,
// errors for bad requests.
#include <boost/test/unit_test.hpp>
#include <set>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

const std::string decision_config = R"(ingest: {write_keys: [test-key], dedup_window: 24h, max_body_bytes: 1048576}
score:
  model: weighted
  weights: {cart_adds: 1}
  caps: {cart_adds: 4}
tags:
  - {name: Carted, when: 'cart_adds >= 1'}
segments:
  - {name: Buyer, when: 'cart_adds >= 1'}
  - {name: Standard, when: 'true'}
content:
  placements:
    hero:
      Buyer: {id: buyer_offer, payload: {banner: "Only 2 left", discount: 15, tags: [a, b]}}
      default: {id: generic, payload: {}}
    held:
      holdout: 1.0
      Buyer: {id: never_buyer, payload: {}}
      Standard: {id: never_standard, payload: {}}
      default: {id: control, payload: {group: control}}
    multi:
      strategy: thompson
      Standard: [{id: ten_off, payload: {pct: 10}}, {id: free_ship, payload: {}}]
      default: {id: none, payload: {}}
)";

struct decision_fixture : server_fixture {
  decision_fixture() : server_fixture(decision_config) {}

  json_doc decide(const std::string& user, const std::string& placement) {
    auto res = client.get("/v1/personalize?userId=" + user + "&placement=" + placement);
    BOOST_TEST_REQUIRE(res.status == 200, "personalize " << user << "/" << placement << ": "
                                                         << res.status << " " << res.body);
    BOOST_TEST_REQUIRE(res.header("Content-Type").find("application/json") == 0u,
                       "Content-Type " << res.header("Content-Type"));
    return json_doc(res.body);
  }

  /// Sends events and waits until the profile is in `segment`; returns the profile.
  json_doc make_user(const std::string& user, const std::vector<std::string>& messages,
                     const std::string& segment) {
    auto res = post_json(client, "/v1/batch", batch_of(messages));
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    auto poll = wait_for_profile(client, user, [&](const json_doc& p) {
      return p.int_at("/events") == std::optional<std::int64_t>(messages.size()) &&
             p.string_at("/segment") == std::optional<std::string>(segment);
    });
    BOOST_TEST_REQUIRE(poll.satisfied, user << " never reached " << segment << ": " << poll.status
                                            << " " << poll.body);
    return json_doc(poll.body);
  }
};

std::vector<std::string> strings_at(const json_doc& doc, const std::string& pointer) {
  std::vector<std::string> out;
  for (auto e : doc.items(pointer))
    if (e.is_string())
      out.emplace_back(e.get_string().value_unsafe());
  return out;
}

/// Every SPEC 4 field with its type; the values are checked by the callers.
void check_shape(const json_doc& d) {
  const std::string& t = d.text();
  BOOST_TEST(d.string_at("/userId").has_value(), "userId: " << t);
  BOOST_TEST(d.string_at("/segment").has_value(), "segment: " << t);
  BOOST_TEST(d.number_at("/score").has_value(), "score: " << t);
  BOOST_TEST(d.array_size("/tags").has_value(), "tags: " << t);
  BOOST_TEST(d.string_at("/placement").has_value(), "placement: " << t);
  BOOST_TEST(d.string_at("/variant/id").has_value(), "variant.id: " << t);
  auto payload = d.at("/variant/payload");
  BOOST_TEST((payload && payload->is_object()), "variant.payload: " << t);
  auto id = d.string_at("/decisionId");
  BOOST_TEST((id && !id->empty()), "decisionId: " << t);
  BOOST_TEST(d.bool_at("/holdout").has_value(), "holdout: " << t);
  BOOST_TEST(d.string_at("/model/kind") == std::optional<std::string>("weighted"), t);
  BOOST_TEST(d.int_at("/model/version").has_value(), "model.version: " << t);
}

std::string add(const std::string& user, const std::string& id) {
  return track_msg(user, "Product Added", id);
}
std::string view(const std::string& user, const std::string& id) {
  return track_msg(user, "Product Viewed", id);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(decision, decision_fixture)

BOOST_AUTO_TEST_CASE(segment_variant_with_every_field) {
  const std::string user = unique_id("dec-buyer");
  auto profile = make_user(user, {view(user, "d1"), add(user, "d2")}, "Buyer");

  auto d = decide(user, "hero");
  check_shape(d);
  const std::string& t = d.text();
  BOOST_TEST(d.string_at("/userId") == std::optional<std::string>(user), t);
  BOOST_TEST(d.string_at("/segment") == std::optional<std::string>("Buyer"), t);
  BOOST_TEST(d.string_at("/placement") == std::optional<std::string>("hero"), t);
  BOOST_TEST(d.string_at("/variant/id") == std::optional<std::string>("buyer_offer"), t);
  BOOST_TEST(d.string_at("/variant/payload/banner") == std::optional<std::string>("Only 2 left"), t);
  BOOST_TEST(d.int_at("/variant/payload/discount") == std::optional<std::int64_t>(15), t);
  BOOST_TEST(strings_at(d, "/variant/payload/tags") == (std::vector<std::string>{"a", "b"}),
             boost::test_tools::per_element());
  BOOST_TEST(d.fields("/variant/payload").size() == 3u, t);
  BOOST_TEST(d.bool_at("/holdout") == std::optional<bool>(false), t);
  BOOST_TEST(d.int_at("/model/version") == std::optional<std::int64_t>(1), t);
  // Score and tags are the profile's: 1 cart add of cap 4 = 25.
  auto score = d.number_at("/score");
  BOOST_TEST_REQUIRE(score.has_value(), t);
  BOOST_TEST(*score == 25.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(*score == profile.number_at("/score").value_or(-1), boost::test_tools::tolerance(1e-9));
  BOOST_TEST(strings_at(d, "/tags") == std::vector<std::string>{"Carted"},
             boost::test_tools::per_element());
  BOOST_TEST(d.int_at("/model/version") == profile.int_at("/model/version"), t << " vs " << profile.text());
}

BOOST_AUTO_TEST_CASE(segment_without_variant_and_unknown_user_get_default) {
  const std::string user = unique_id("dec-standard");
  make_user(user, {view(user, "d1")}, "Standard");
  auto d = decide(user, "hero");
  check_shape(d);
  BOOST_TEST(d.string_at("/segment") == std::optional<std::string>("Standard"), d.text());
  BOOST_TEST(d.string_at("/variant/id") == std::optional<std::string>("generic"), d.text());
  BOOST_TEST(d.fields("/variant/payload").empty(), d.text());
  BOOST_TEST(d.bool_at("/holdout") == std::optional<bool>(false), d.text());

  const std::string unknown = unique_id("dec-nobody");
  auto u = decide(unknown, "hero");
  check_shape(u);
  const std::string& t = u.text();
  BOOST_TEST(u.string_at("/userId") == std::optional<std::string>(unknown), t);
  BOOST_TEST(u.string_at("/segment") == std::optional<std::string>("default"), t);
  BOOST_TEST(u.string_at("/variant/id") == std::optional<std::string>("generic"), t);
  BOOST_TEST(u.number_at("/score") == std::optional<double>(0.0), t);
  BOOST_TEST(u.array_size("/tags") == std::optional<std::size_t>(0), t);
  BOOST_TEST(u.bool_at("/holdout") == std::optional<bool>(false), t);
  // Asking does not create the user.
  BOOST_TEST(client.get("/v1/profiles/" + unknown).status == 404);
}

BOOST_AUTO_TEST_CASE(bad_requests) {
  const std::string user = unique_id("dec-bad");
  make_user(user, {add(user, "d1")}, "Buyer");
  struct bad {
    std::string target;
    int status;
  };
  const std::vector<bad> cases = {
      {"/v1/personalize?userId=" + user + "&placement=nowhere", 404},
      {"/v1/personalize?userId=nobody-at-all&placement=nowhere", 404},
      {"/v1/personalize?userId=" + user, 400},
      {"/v1/personalize?placement=hero", 400},
      {"/v1/personalize", 400},
      {"/v1/personalize?userId=&placement=hero", 400},
      {"/v1/personalize?userId=" + user + "&placement=", 400},
  };
  for (const auto& c : cases) {
    auto res = client.get(c.target);
    BOOST_TEST(res.status == c.status, c.target << " -> " << res.status << " " << res.body);
    BOOST_TEST(!res.body.empty(), c.target << ": no reason in the body");
  }
  BOOST_TEST(client.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(decision_ids_are_unique) {
  const std::string user = unique_id("dec-ids");
  make_user(user, {add(user, "d1")}, "Buyer");
  std::set<std::string> ids;
  const int calls = 100;
  for (int i = 0; i < calls; ++i) {
    // Known and unknown users, several placements: ids are unique across all of them.
    const std::string who = i % 3 == 0 ? "dec-unknown-" + std::to_string(i) : user;
    const char* placement = i % 2 == 0 ? "hero" : "multi";
    auto d = decide(who, placement);
    auto id = d.string_at("/decisionId");
    BOOST_TEST_REQUIRE(id.has_value(), d.text());
    BOOST_TEST(ids.insert(*id).second, "decisionId " << *id << " repeated at call " << i);
  }
  BOOST_TEST(ids.size() == static_cast<std::size_t>(calls));
}

BOOST_AUTO_TEST_CASE(full_holdout_always_gets_default) {
  const std::string buyer = unique_id("dec-hold-buyer");
  const std::string standard = unique_id("dec-hold-std");
  make_user(buyer, {add(buyer, "d1")}, "Buyer");
  make_user(standard, {view(standard, "d1")}, "Standard");
  std::vector<std::string> users = {buyer, standard};
  for (int i = 0; i < 30; ++i)
    users.push_back("dec-hold-unknown-" + std::to_string(i));
  for (const auto& user : users) {
    for (int round = 0; round < 2; ++round) {
      auto d = decide(user, "held");
      check_shape(d);
      BOOST_TEST(d.string_at("/variant/id") == std::optional<std::string>("control"),
                 user << ": " << d.text());
      BOOST_TEST(d.string_at("/variant/payload/group") == std::optional<std::string>("control"),
                 d.text());
      BOOST_TEST(d.bool_at("/holdout") == std::optional<bool>(true), user << ": " << d.text());
      BOOST_TEST(d.string_at("/placement") == std::optional<std::string>("held"), d.text());
    }
  }
  // Holdout is per placement: the same buyer gets the segment's variant on hero.
  auto hero = decide(buyer, "hero");
  BOOST_TEST(hero.string_at("/variant/id") == std::optional<std::string>("buyer_offer"), hero.text());
  BOOST_TEST(hero.bool_at("/holdout") == std::optional<bool>(false), hero.text());
  // The held-out buyer is still reported in its segment.
  auto held = decide(buyer, "held");
  BOOST_TEST(held.string_at("/segment") == std::optional<std::string>("Buyer"), held.text());
}

BOOST_AUTO_TEST_CASE(thompson_draws_among_the_segment_variants) {
  const std::string user = unique_id("dec-multi");
  make_user(user, {view(user, "d1")}, "Standard");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto d = decide(user, "multi");
    auto id = d.string_at("/variant/id");
    BOOST_TEST_REQUIRE(id.has_value(), d.text());
    BOOST_TEST_REQUIRE((*id == "ten_off" || *id == "free_ship"), d.text());
    if (*id == "ten_off")
      BOOST_TEST(d.int_at("/variant/payload/pct") == std::optional<std::int64_t>(10), d.text());
    seen.insert(*id);
  }
  // Uniform prior: missing one variant in 200 draws has probability 2^-199.
  BOOST_TEST(seen.size() == 2u);
  // Buyer has no variant on multi: default.
  const std::string buyer = unique_id("dec-multi-buyer");
  make_user(buyer, {add(buyer, "d1")}, "Buyer");
  auto d = decide(buyer, "multi");
  BOOST_TEST(d.string_at("/variant/id") == std::optional<std::string>("none"), d.text());
}

BOOST_AUTO_TEST_SUITE_END()
