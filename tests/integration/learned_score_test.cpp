// score.model: learned (SPEC 5, issue 17): synthetic users whose conversions follow a
// known logistic model of their cart adds and product views; the node learns from their
// decisions' outcomes, and the version it promotes beats its configured start in log-loss
// on users it never saw. Decisions and profiles report the version; a rollback serves the
// previous one, and the versions survive a kill -9.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <csignal>
#include <random>

#include "messages.hpp"
#include "test_support.hpp"

using namespace cohort::it;

namespace {

// Starts at the weighted score's tangent: p = sigmoid(2 x_cart + 2 x_views - 2).
const std::string learned_config = R"(ingest: {write_keys: [test-key], dedup_window: 24h, max_body_bytes: 1048576}
score:
  model: learned
  weights: {cart_adds: 1, product_views: 1}
  caps: {cart_adds: 3, product_views: 3}
  learning: {rate: 0.2, promote_every: 100, holdout_share: 0.2}
segments:
  - {name: Everyone, when: 'true'}
content:
  placements:
    promo:
      Everyone: [{id: A}]
      default: {id: none}
)";

double sigmoid(double m) { return 1.0 / (1.0 + std::exp(-m)); }

/// One synthetic user: its counts and the model inputs they give (count / cap 3).
struct shopper {
  std::string id;
  int carts = 0;
  int views = 0;
  double x_cart() const { return carts / 3.0; }
  double x_views() const { return views / 3.0; }
  /// The truth: carts raise the conversion rate, browsing without carting lowers it.
  double p() const { return sigmoid(3.0 * x_cart() - 3.0 * x_views() - 0.5); }
};

/// A version's weights as GET /admin/api/models/score lists them.
struct weights {
  double cart = 0, views = 0, bias = 0;
  double p(const shopper& s) const { return sigmoid(cart * s.x_cart() + views * s.x_views() + bias); }
};

weights weights_of(simdjson::dom::element version) {
  weights w;
  BOOST_TEST_REQUIRE(version["weights"]["cart_adds"].get(w.cart) == simdjson::SUCCESS);
  BOOST_TEST_REQUIRE(version["weights"]["product_views"].get(w.views) == simdjson::SUCCESS);
  BOOST_TEST_REQUIRE(version["bias"].get(w.bias) == simdjson::SUCCESS);
  return w;
}

/// Mean log-loss of `w` on shoppers whose outcomes are `labels`.
double log_loss(const weights& w, const std::vector<shopper>& users,
                const std::vector<int>& labels) {
  double sum = 0;
  for (std::size_t i = 0; i < users.size(); ++i) {
    const double p = std::clamp(w.p(users[i]), 1e-15, 1 - 1e-15);
    sum -= labels[i] == 1 ? std::log(p) : std::log(1 - p);
  }
  return sum / static_cast<double>(users.size());
}

std::vector<shopper> shoppers(std::size_t n, const std::string& prefix, std::mt19937& rng) {
  std::uniform_int_distribution<int> count{0, 3};
  std::vector<shopper> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({prefix + "-" + std::to_string(i), count(rng), count(rng)});
  return out;
}

struct learned_fixture : server_fixture {
  learned_fixture() : server_fixture(learned_config) {}

  /// Sends every shopper's cart adds and product views, and waits until each profile
  /// shows them (a decision records the features the profile has at that moment).
  void make(const std::vector<shopper>& users) {
    std::vector<std::string> messages;
    for (const auto& u : users) {
      for (int i = 0; i < u.carts; ++i)
        messages.push_back(track_msg(u.id, "Product Added", u.id + "-c" + std::to_string(i)));
      for (int i = 0; i < u.views; ++i)
        messages.push_back(track_msg(u.id, "Product Viewed", u.id + "-v" + std::to_string(i)));
    }
    for (std::size_t i = 0; i < messages.size(); i += 500) {
      std::vector<std::string> chunk(messages.begin() + i,
                                     messages.begin() + std::min(messages.size(), i + 500));
      auto res = post_json(client, "/v1/batch", batch_of(chunk));
      BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
    }
    for (const auto& u : users) {
      if (u.carts + u.views == 0)
        continue;  // unknown to the node: its decisions carry all-zero features
      auto poll = wait_for_profile(client, u.id, [&](const json_doc& p) {
        return p.number_at("/features/cart_adds") == std::optional<double>(u.carts)
               && p.number_at("/features/product_views") == std::optional<double>(u.views);
      });
      BOOST_TEST_REQUIRE(poll.satisfied, u.id << ": " << poll.body);
    }
  }

  json_doc get(const std::string& target) {
    auto res = client.get(target);
    BOOST_TEST_REQUIRE(res.status == 200, target << ": " << res.status << " " << res.body);
    return json_doc(res.body);
  }

  json_doc models() { return get("/admin/api/models/score"); }

  /// The version a decision for `user` reports.
  std::optional<std::int64_t> decided_version(const std::string& user) {
    auto d = get("/v1/personalize?userId=" + user + "&placement=promo");
    BOOST_TEST(d.string_at("/model/kind") == std::optional<std::string>("learned"), d.text());
    return d.int_at("/model/version");
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(learned_score, learned_fixture)

BOOST_AUTO_TEST_CASE(learns_from_outcomes_beats_its_start_on_unseen_users_and_rolls_back) {
  std::mt19937 rng{23};
  const auto users = shoppers(1200, unique_id("learn"), rng);
  make(users);
  const auto start = models();
  BOOST_TEST(start.int_at("/current") == std::optional<std::int64_t>(1), start.text());

  for (std::size_t i = 0; i < users.size(); i += 50) {
    std::string items;
    for (std::size_t j = i; j < std::min(users.size(), i + 50); ++j) {
      auto d = get("/v1/personalize?userId=" + users[j].id + "&placement=promo");
      const auto id = quote(d.string_at("/decisionId").value_or(""));
      items += std::string(items.empty() ? "" : ",") + "{\"decisionId\":" + id
               + ",\"outcome\":\"impression\"}";
      if (std::uniform_real_distribution<double>{0, 1}(rng) < users[j].p())
        items += ",{\"decisionId\":" + id + ",\"outcome\":\"conversion\"}";
    }
    auto res = post_json(client, "/v1/outcomes", "{\"batch\":[" + items + "]}", "test-key");
    BOOST_TEST_REQUIRE(res.status == 200, res.status << " " << res.body);
  }

  const auto learned = models();
  const auto current = learned.int_at("/current");
  const auto versions = learned.items("/versions");
  BOOST_TEST_REQUIRE(versions.size() >= 2u, learned.text());
  BOOST_TEST(current == std::optional<std::int64_t>(versions.size()), learned.text());
  // Judged on 4,000 users the node never saw, with outcomes drawn from the truth.
  const auto unseen = shoppers(4000, "unseen", rng);
  std::vector<int> labels;
  for (const auto& u : unseen)
    labels.push_back(std::uniform_real_distribution<double>{0, 1}(rng) < u.p() ? 1 : 0);
  const double first_loss = log_loss(weights_of(versions.front()), unseen, labels);
  const double learned_loss = log_loss(weights_of(versions.back()), unseen, labels);
  BOOST_TEST_MESSAGE("log-loss on unseen users: start " << first_loss << ", version "
                     << *current << " " << learned_loss);
  BOOST_TEST(learned_loss < first_loss - 0.02);

  // Decisions and profiles report the version they score with; the profile's breakdown
  // (margin units) sums to the score's log-odds.
  BOOST_TEST(decided_version(users.front().id) == current);
  auto profile = get("/v1/profiles/" + users.back().id);
  BOOST_TEST(profile.int_at("/model/version") == current, profile.text());
  double margin = 0;
  for (auto term : profile.items("/scoreBreakdown")) {
    double c = 0;
    BOOST_TEST_REQUIRE(term["contribution"].get(c) == simdjson::SUCCESS);
    margin += c;
  }
  BOOST_TEST(*profile.number_at("/score") == 100 * sigmoid(margin),
             boost::test_tools::tolerance(1e-6));

  // A rollback serves the version before, durably: a kill -9 keeps it.
  auto rolled = post_json(client, "/admin/api/models/score/rollback", "");
  BOOST_TEST_REQUIRE(rolled.status == 200, rolled.body);
  const auto previous = json_doc(rolled.body).int_at("/current");
  BOOST_TEST(previous == std::optional<std::int64_t>(*current - 1));
  BOOST_TEST(decided_version(users.front().id) == previous);
  server.stop(SIGKILL);
  server.start();
  http_client after("127.0.0.1", server.port());
  auto restarted = json_doc(after.get("/admin/api/models/score").body);
  BOOST_TEST(restarted.int_at("/current") == previous, restarted.text());
  BOOST_TEST(restarted.array_size("/versions") == std::optional<std::size_t>(versions.size()));

  // Back to the first version; there is nothing before it.
  for (auto v = *previous; v > 1; --v)
    BOOST_TEST_REQUIRE(post_json(after, "/admin/api/models/score/rollback", "").status == 200);
  auto refused = post_json(after, "/admin/api/models/score/rollback", "");
  BOOST_TEST(refused.status == 409, refused.body);
  BOOST_TEST(refused.body.find("version 1 is the first") != std::string::npos, refused.body);
}

// A node whose score is not learned has no learned versions to show or roll back.
BOOST_AUTO_TEST_CASE(a_weighted_score_has_no_learned_versions) {
  server_fixture weighted;
  auto res = weighted.client.get("/admin/api/models/score");
  BOOST_TEST(res.status == 404, res.body);
  BOOST_TEST(res.body.find("not 'learned'") != std::string::npos, res.body);
  BOOST_TEST(post_json(weighted.client, "/admin/api/models/score/rollback", "").status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
