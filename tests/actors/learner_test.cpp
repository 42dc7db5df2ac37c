// The bandit's counts (learner_state) and its single writer (learner_actor) on an
// in-memory decision log: dedup per decision and messageId, holdout arms apart, the
// version, one write per request, nothing changed when the write fails, retention.
#include "actor_fixture.hpp"

#include "actors/learner_actor.hpp"
#include "actors/messages.hpp"
#include "synthetic_examples.hpp"

#include <cmath>

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
  std::vector<std::pair<actors::learned_commit, bool>> learned;  ///< With `sync`.
  bool fail_writes = false;
  bool fail_learned_writes = false;

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
  result<bool> record(const decision_record& d) override {
    if (fail_writes)
      return failure{500, "disk full"};
    add(d);
    return true;
  }
  result<bool> advance(const actors::feedback_position& p) override {
    position = p;
    return true;
  }
  actors::feedback_position position;
  result<bool> commit_learned(const actors::learned_commit& c, bool sync) override {
    if (fail_learned_writes)
      return failure{500, "disk full"};
    learned.emplace_back(c, sync);
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
  std::shared_ptr<actors::model_holder> model =
    std::make_shared<actors::model_holder>(std::make_shared<const actors::engine_model>());
  std::shared_ptr<actors::posterior_board> board =
    std::make_shared<actors::posterior_board>(std::make_shared<const actors::posteriors>());
  std::int64_t now = 2000;
  caf::actor learner;

  learner_fixture() {
    actors::learner_env env{log, board, std::chrono::milliseconds(10000),
                            std::chrono::milliseconds(1000), [this] { return now; }, model};
    learner = sys.spawn(actors::learner_actor, env, actors::posteriors{}, std::nullopt);
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

// The learned score (score.model: learned) trained by the same learner: synthetic decisions
// whose users convert with the p of a known "truth" model over two features.
struct learned_fixture : learner_fixture {
  std::shared_ptr<actors::learned_board> scores;
  caf::actor trainer;
  std::mt19937 rng{7};
  std::size_t next = 0;

  learned_fixture() {
    const auto start = test::two_inputs(0, 0, 0);  // p = 0.5: log-loss ln 2 on any data
    scores = std::make_shared<actors::learned_board>(
      std::make_shared<const actors::learned_score>(actors::learned_score{start, 1}));
    actors::learning_params params;
    params.rate = 0.1;
    params.promote_every = 50;
    actors::learned_start learned{actors::learned_trainer{start, params, now}, scores, 0};
    actors::learner_env env{log, board, std::chrono::milliseconds(10000),
                            std::chrono::milliseconds(1000), [this] { return now; }, model};
    trainer = sys.spawn(actors::learner_actor, env, actors::posteriors{}, std::move(learned));
    run();
  }

  /// `n` decisions, 100 at a time: each gets an impression, and those whose user
  /// converts a conversion in the next request (so a trained example is relabeled from 0
  /// to 1, as when a purchase follows the click that counted first).
  void decide_and_convert(std::size_t n) {
    const auto truth = test::two_inputs(4, -3, -0.5);
    auto examples = test::draw(truth, n, rng);
    for (std::size_t from = 0; from < n; from += 100) {
      std::vector<outcome_item> impressions, conversions;
      for (std::size_t i = from; i < std::min(n, from + 100); ++i) {
        auto d = decision("L" + std::to_string(next++), "A");
        d.features.assign(config::feature_count, 0.0);
        d.features[static_cast<std::size_t>(config::feature::scroll_depth)] = examples[i].x[0];
        d.features[static_cast<std::size_t>(config::feature::click_density)] = examples[i].x[1];
        log->add(d);
        impressions.push_back(item(d.id, "impression"));
        if (examples[i].label == 1)
          conversions.push_back(item(d.id, "conversion"));
      }
      ask<std::vector<outcome_verdict>>(trainer, actors::outcome_atom::value, impressions);
      ask<std::vector<outcome_verdict>>(trainer, actors::outcome_atom::value, conversions);
    }
  }

  actors::learned_status status() {
    return ask<actors::learned_status>(trainer, actors::models_atom::value);
  }

  /// Whether version `v` was in a synced progress write.
  bool written_synced(std::uint64_t v) const {
    for (const auto& [commit, sync] : log->learned)
      for (const auto& version : commit.versions)
        if (version.version == v && sync)
          return true;
    return false;
  }
};

BOOST_FIXTURE_TEST_CASE(outcomes_train_the_learned_score_and_promote_better_versions,
                        learned_fixture) {
  decide_and_convert(3000);
  const auto s = status();
  BOOST_TEST(s.learning);
  BOOST_TEST_REQUIRE(s.versions.size() > 1u);
  BOOST_TEST(s.current == s.versions.back().version);
  BOOST_TEST(scores->get()->version == s.current);  // decisions score with it
  BOOST_TEST(written_synced(s.current));             // ... once it is durable
  // Each promotion beat the one before it on the held-out slice; the first beats p = 0.5.
  BOOST_TEST(s.versions[1].holdout_log_loss < std::log(2.0));
  BOOST_TEST(s.current_loss < std::log(2.0) - 0.05);
  // The truth's signs were learned: scroll_depth raises p, click_density lowers it.
  BOOST_TEST(scores->get()->model.weights()[0] > 0.5);
  BOOST_TEST(scores->get()->model.weights()[1] < -0.5);
  BOOST_TEST(s.held_out > 400u);
}

BOOST_FIXTURE_TEST_CASE(a_version_is_served_only_once_its_write_succeeded, learned_fixture) {
  log->fail_learned_writes = true;
  decide_and_convert(1500);
  BOOST_TEST_REQUIRE(status().current > 1u);       // promoted in memory
  BOOST_TEST(scores->get()->version == 1u);        // but not served: not durable
  BOOST_TEST(log->commits.size() == 30u);          // the outcomes were counted anyway
  BOOST_TEST(log->learned.empty());
  log->fail_learned_writes = false;
  decide_and_convert(1);
  const auto s = status();
  BOOST_TEST(scores->get()->version == s.current);
  BOOST_TEST(log->learned.front().first.versions.size() == s.versions.size());  // caught up
}

BOOST_FIXTURE_TEST_CASE(rollback_serves_the_previous_version_until_the_first, learned_fixture) {
  decide_and_convert(3000);
  const auto before = status();
  BOOST_TEST_REQUIRE(before.versions.size() > 1u);
  log->fail_learned_writes = true;
  BOOST_TEST(static_cast<bool>(ask_error(trainer, actors::rollback_atom::value)));
  BOOST_TEST(status().current == before.current);  // a failed write changed nothing
  log->fail_learned_writes = false;
  auto s = ask<actors::learned_status>(trainer, actors::rollback_atom::value);
  BOOST_TEST(s.changed);
  BOOST_TEST(s.current == before.versions[before.versions.size() - 2].version);
  BOOST_TEST(scores->get()->version == s.current);
  BOOST_TEST(log->learned.back().second);  // synced before served
  for (std::size_t i = 2; i < before.versions.size(); ++i)
    ask<actors::learned_status>(trainer, actors::rollback_atom::value);
  s = ask<actors::learned_status>(trainer, actors::rollback_atom::value);
  BOOST_TEST(!s.changed);
  BOOST_TEST(s.current == 1u);
  BOOST_TEST(s.versions.size() == before.versions.size());  // nothing is deleted
}

// Cluster mode: two nodes' learners, each with its own store, and the feedback log
// between them. What a node takes is appended to the log and answered once it comes back;
// both learners apply the whole log and end up with the same counts and learned score.
struct replicas_fixture : test::actor_fixture {
  struct replica {
    std::shared_ptr<memory_log> log = std::make_shared<memory_log>();
    std::shared_ptr<actors::posterior_board> board =
      std::make_shared<actors::posterior_board>(std::make_shared<const actors::posteriors>());
    std::shared_ptr<actors::learned_board> scores;
    caf::actor learner;
  };
  std::shared_ptr<actors::model_holder> model =
    std::make_shared<actors::model_holder>(std::make_shared<const actors::engine_model>());
  std::vector<std::string> feedback;  ///< The log: every appended record, in order.
  bool refuse_appends = false;
  std::int64_t now = 5000;
  replica a, b;

  replicas_fixture() {
    start(a, "n1");
    start(b, "n2");
  }

  void start(replica& r, const std::string& node) {
    const auto initial = test::two_inputs(0, 0, 0);
    r.scores = std::make_shared<actors::learned_board>(
      std::make_shared<const actors::learned_score>(actors::learned_score{initial, 1}));
    actors::learning_params params;
    params.promote_every = 20;
    actors::learner_env env{r.log, r.board, std::chrono::milliseconds(10000),
                            std::chrono::milliseconds(1000), [this] { return now; }, model};
    env.write_feedback = [this](std::string bytes,
                                std::function<void(result<std::int64_t>)> done) {
      if (refuse_appends) {
        done(failure{503, "broker down"});
        return;
      }
      feedback.push_back(std::move(bytes));
      done(static_cast<std::int64_t>(feedback.size() - 1));
    };
    env.node_id = node;
    r.learner = sys.spawn(actors::learner_actor, env, actors::posteriors{},
                          actors::learned_start{actors::learned_trainer{initial, params, now},
                                                r.scores, 0});
    run();
  }

  /// Appends a decision as a node's decision API does.
  void decide(const decision_record& d) {
    actors::feedback_record r;
    r.decision = d;
    feedback.push_back(actors::encode(r));
  }

  /// Feeds `r` the whole log, as its feedback_reader does, and returns the answers this
  /// released to the requests `r` took, in log order.
  std::vector<std::vector<outcome_verdict>> apply(replica& r,
                                                  actors::learned_status* rolled = nullptr) {
    std::vector<actors::feedback_record> records;
    for (const auto& bytes : feedback)
      records.push_back(*actors::decode_feedback(bytes));
    self->send(r.learner, actors::feedback_atom::value, records,
               static_cast<std::int64_t>(feedback.size()));
    run();
    std::vector<std::vector<outcome_verdict>> answers;
    bool applied = false, more = true;
    while (more)
      self->receive([&](std::vector<outcome_verdict>& v) { answers.push_back(std::move(v)); },
                    [&](actors::learned_status& s) {
                      BOOST_REQUIRE(rolled != nullptr);
                      *rolled = std::move(s);
                    },
                    [&](bool ok) { applied = ok; },
                    [&](caf::error& e) { BOOST_FAIL("error reply: " << sys.render(e)); },
                    caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    BOOST_TEST_REQUIRE(applied);
    return answers;
  }

  /// Sends outcomes to `r` without waiting for the answer (it comes once applied).
  void take(replica& r, std::vector<outcome_item> items) {
    self->send(r.learner, actors::outcome_atom::value, std::move(items));
    run();
  }

  /// 400 decisions with an impression each and a conversion for those the truth converts,
  /// the outcomes taken by either node.
  void decide_and_convert() {
    std::mt19937 rng{3};
  const auto truth = test::two_inputs(4, -3, -0.5);
  auto examples = test::draw(truth, 400, rng);
  for (std::size_t i = 0; i < examples.size(); ++i) {
    auto d = decision("c" + std::to_string(i), i % 2 == 0 ? "A" : "B", i % 10 == 0, 4000);
    d.features.assign(config::feature_count, 0.0);
    d.features[static_cast<std::size_t>(config::feature::scroll_depth)] = examples[i].x[0];
    d.features[static_cast<std::size_t>(config::feature::click_density)] = examples[i].x[1];
    decide(d);
    std::vector<outcome_item> items{item(d.id, "impression")};
    if (examples[i].label == 1)
      items.push_back(item(d.id, "conversion"));
    take(i % 2 == 0 ? a : b, std::move(items));  // outcomes reach either node
  }
  }

  std::uint64_t impressions(const replica& r) const {
    std::uint64_t n = 0;
    for (const auto& [arm, counts] : r.board->get()->arms)
      n += counts.impressions;
    return n;
  }
};

BOOST_FIXTURE_TEST_CASE(every_node_applies_the_feedback_log_alike, replicas_fixture) {
  decide_and_convert();
  take(a, {item("c1", "impression")});  // what b took, taken by a again
  const auto answered_a = apply(a);
  BOOST_TEST_REQUIRE(answered_a.size() == 201u);  // a's requests only, once applied
  BOOST_TEST(answered_a.front().front().status == outcome_verdict::counted);
  BOOST_TEST(answered_a.back().front().status == outcome_verdict::duplicate);
  BOOST_TEST(apply(b).size() == 200u);
  const auto& pa = *a.board->get();
  const auto& pb = *b.board->get();
  BOOST_TEST(pa.version == pb.version);
  BOOST_TEST((pa.arms == pb.arms));
  BOOST_TEST(impressions(a) == 400u);  // the repeated impression counted once, on both
  BOOST_TEST_REQUIRE(a.scores->get()->version > 1u);  // the score learned ...
  BOOST_TEST(a.scores->get()->version == b.scores->get()->version);  // ... alike on both
  BOOST_TEST(a.scores->get()->model.weights() == b.scores->get()->model.weights(),
             boost::test_tools::per_element());
  BOOST_TEST(a.log->position.next_offset == static_cast<std::int64_t>(feedback.size()));
}

// The reader applies a batch again after a failure, and a restarted node the records after
// its last noted position: applying the log twice must change nothing, a rollback included
// (it names the version it rolls back from).
BOOST_FIXTURE_TEST_CASE(applying_the_log_again_changes_nothing, replicas_fixture) {
  decide_and_convert();
  apply(a);
  const auto promoted = a.scores->get()->version;
  BOOST_TEST_REQUIRE(promoted > 1u);
  self->send(a.learner, actors::rollback_atom::value);
  run();
  actors::learned_status rolled;
  apply(a, &rolled);
  BOOST_TEST(rolled.changed);
  BOOST_TEST(rolled.current == promoted - 1);
  apply(a);  // everything again
  BOOST_TEST(a.scores->get()->version == promoted - 1);
  BOOST_TEST(impressions(a) == 400u);
  apply(b);
  BOOST_TEST(b.scores->get()->version == promoted - 1);
  BOOST_TEST((a.board->get()->arms == b.board->get()->arms));
  BOOST_TEST(a.scores->get()->model.weights() == b.scores->get()->model.weights(),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
