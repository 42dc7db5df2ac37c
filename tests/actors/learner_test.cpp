// The bandit's counts (learner_state) and its single writer (learner_actor) on an
// in-memory decision log: dedup per decision and messageId, holdout arms apart, the
// version, one write per request, nothing changed when the write fails, retention.
#include "actor_fixture.hpp"

#include "actors/learner_actor.hpp"
#include "actors/messages.hpp"

using namespace cohort;
using actors::arm_counts;
using actors::arm_key;
using actors::decision_record;
using actors::outcome_item;
using actors::outcome_kind;
using actors::outcome_verdict;

namespace {

decision_record decision(std::string id, std::string variant, bool holdout = false,
                         std::int64_t at_ms = 1000) {
  return {std::move(id), "u-" + variant, "promo", "Hot", std::move(variant), holdout,
          "weighted", 1, at_ms, {1.0, 2.0}};
}

/// The decision log in memory; `fail_writes` makes commit() fail.
class memory_log : public actors::decision_log {
public:
  std::map<std::string, decision_record> decisions;
  std::map<std::string, actors::decision_outcomes> outcomes;
  std::map<std::string, std::string> messages;
  std::vector<actors::outcome_commit> commits;
  bool fail_writes = false;

  void add(const decision_record& d) { decisions[d.id] = d; }

  result<std::optional<decision_record>> find(const std::string& id) override {
    auto it = decisions.find(id);
    if (it == decisions.end())
      return std::optional<decision_record>{};
    return std::optional<decision_record>{it->second};
  }
  result<std::optional<std::string>> latest(const std::string& user,
                                            const std::string& placement) override {
    std::optional<std::string> out;
    for (const auto& [id, d] : decisions)
      if (d.user_id == user && d.placement == placement)
        out = id;
    return out;
  }
  result<actors::decision_outcomes> outcomes_of(const std::string& id) override {
    return outcomes[id];
  }
  result<std::optional<std::string>> message(const std::string& id) override {
    auto it = messages.find(id);
    return it == messages.end() ? std::optional<std::string>{} : std::optional{it->second};
  }
  result<bool> commit(const actors::outcome_commit& c) override {
    if (fail_writes)
      return failure{500, "disk full"};
    for (const auto& [id, o] : c.decisions) {
      outcomes[id] = o;
      for (const auto& m : o.message_ids)
        messages[m] = id;
    }
    commits.push_back(c);
    return true;
  }
  result<std::uint64_t> prune(std::int64_t before_ms) override {
    std::uint64_t n = 0;
    for (auto it = decisions.begin(); it != decisions.end();)
      if (it->second.at_ms < before_ms) {
        outcomes.erase(it->first);
        it = decisions.erase(it);
        ++n;
      } else {
        ++it;
      }
    return n;
  }
};

outcome_item item(std::string decision_id, std::string kind, std::string message_id = "") {
  return {std::move(decision_id), "", "", std::move(kind), std::move(message_id)};
}

struct learner_fixture : test::actor_fixture {
  std::shared_ptr<memory_log> log = std::make_shared<memory_log>();
  std::shared_ptr<actors::posterior_board> board =
    std::make_shared<actors::posterior_board>(std::make_shared<const actors::posteriors>());
  std::int64_t now = 2000;
  caf::actor learner;

  learner_fixture() {
    actors::learner_env env{log, board, std::chrono::milliseconds(10000),
                            std::chrono::milliseconds(1000), [this] { return now; }};
    learner = sys.spawn(actors::learner_actor, env, actors::posteriors{});
    run();
  }

  std::vector<outcome_verdict> send(std::vector<outcome_item> items) {
    return ask<std::vector<outcome_verdict>>(learner, actors::outcome_atom::value,
                                             std::move(items));
  }

  arm_counts counts(const std::string& variant, bool holdout = false) {
    const auto* arm = board->get()->find({"promo", "Hot", variant, holdout});
    return arm != nullptr ? *arm : arm_counts{};
  }
};

std::vector<std::uint8_t> statuses(const std::vector<outcome_verdict>& v) {
  std::vector<std::uint8_t> out;
  for (const auto& x : v)
    out.push_back(x.status);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(learner)

BOOST_AUTO_TEST_CASE(each_kind_counts_once_per_decision_and_implies_the_impression) {
  actors::learner_state state;
  const auto d = decision("d1", "A");
  std::uint8_t counted = 0;
  BOOST_TEST(state.apply(d, outcome_kind::conversion, counted));
  BOOST_TEST(!state.apply(d, outcome_kind::conversion, counted));
  BOOST_TEST(state.apply(d, outcome_kind::impression, counted));  // recorded, not counted again
  BOOST_TEST(state.apply(d, outcome_kind::click, counted));
  const auto changed = state.finish_batch();
  BOOST_TEST(changed.size() == 1u);
  const auto& arm = state.current().arms.at(actors::arm_of(d));
  BOOST_TEST(arm.impressions == 1u);
  BOOST_TEST(arm.conversions == 1u);
  BOOST_TEST(arm.clicks == 1u);
  BOOST_TEST(arm.rewards("click") == 1u);
  BOOST_TEST(state.current().version == 1u);
  BOOST_TEST(state.finish_batch().empty());  // nothing new: the version stays
  BOOST_TEST(state.current().version == 1u);
}

BOOST_AUTO_TEST_CASE(holdout_decisions_count_in_their_own_arm) {
  actors::learner_state state;
  std::uint8_t a = 0, h = 0;
  state.apply(decision("d1", "A"), outcome_kind::impression, a);
  state.apply(decision("d2", "A", true), outcome_kind::conversion, h);
  state.finish_batch();
  const auto& arms = state.current().arms;
  BOOST_TEST(arms.size() == 2u);
  BOOST_TEST(arms.at({"promo", "Hot", "A", false}).conversions == 0u);
  BOOST_TEST(arms.at({"promo", "Hot", "A", true}).conversions == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_request_is_one_write_and_duplicates_are_reported, learner_fixture) {
  log->add(decision("d1", "A"));
  log->add(decision("d2", "B"));
  auto v = send({item("d1", "impression", "m1"), item("d1", "impression"),
                 item("d2", "conversion", "m2"), item("d2", "click", "m1"),
                 item("nope", "click")});
  BOOST_TEST(statuses(v) == (std::vector<std::uint8_t>{outcome_verdict::counted,
                                                       outcome_verdict::duplicate,
                                                       outcome_verdict::counted,
                                                       outcome_verdict::duplicate,
                                                       outcome_verdict::unknown}),
             boost::test_tools::per_element());
  BOOST_TEST(v[3].reason == "messageId 'm1' was counted before");
  BOOST_TEST(log->commits.size() == 1u);
  BOOST_TEST(log->commits[0].version == 1u);
  BOOST_TEST(log->commits[0].arms.size() == 2u);
  BOOST_TEST(counts("A").impressions == 1u);
  BOOST_TEST(counts("B").impressions == 1u);
  BOOST_TEST(counts("B").conversions == 1u);
  // A retry of the whole request changes nothing and writes nothing.
  v = send({item("d1", "impression", "m1"), item("d2", "conversion", "m2")});
  BOOST_TEST(statuses(v) == (std::vector<std::uint8_t>{outcome_verdict::duplicate,
                                                       outcome_verdict::duplicate}),
             boost::test_tools::per_element());
  BOOST_TEST(log->commits.size() == 1u);
  BOOST_TEST(board->get()->version == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_failed_write_changes_nothing, learner_fixture) {
  log->add(decision("d1", "A"));
  log->fail_writes = true;
  auto err = ask_error(learner, actors::outcome_atom::value,
                       std::vector<outcome_item>{item("d1", "conversion")});
  BOOST_TEST(sys.render(err).find("disk full") != std::string::npos, sys.render(err));
  BOOST_TEST(counts("A").impressions == 0u);
  BOOST_TEST(board->get()->version == 0u);
  log->fail_writes = false;
  auto v = send({item("d1", "conversion")});
  BOOST_TEST(v[0].status == outcome_verdict::counted);
  BOOST_TEST(counts("A").conversions == 1u);
  BOOST_TEST(board->get()->version == 1u);
}

BOOST_FIXTURE_TEST_CASE(outcomes_name_the_latest_decision_or_none, learner_fixture) {
  log->add(decision("d1", "A"));
  auto v = send({{"", "u-A", "promo", "click", ""}, {"", "u-Z", "promo", "click", ""}});
  BOOST_TEST(v[0].status == outcome_verdict::counted);
  BOOST_TEST(v[0].decision_id == "d1");
  BOOST_TEST(v[1].status == outcome_verdict::unknown);
  BOOST_TEST(v[1].reason.find("no decision is kept for userId 'u-Z'") == 0u, v[1].reason);
}

// Decisions older than the attribution window are refused even before the prune runs,
// and the periodic prune removes them; the arms keep their counts.
BOOST_FIXTURE_TEST_CASE(the_attribution_window_expires_decisions, learner_fixture) {
  log->add(decision("old", "A", false, 1000));
  send({item("old", "impression")});
  now = 1000 + 10001;
  auto v = send({item("old", "click")});
  BOOST_TEST(v[0].status == outcome_verdict::unknown);
  BOOST_TEST(v[0].reason.find("older than outcomes.attribution_window") != std::string::npos);
  BOOST_REQUIRE(sched.trigger_timeout());  // the prune timer
  run();
  BOOST_TEST(log->decisions.count("old") == 0u);
  BOOST_TEST(counts("A").impressions == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
