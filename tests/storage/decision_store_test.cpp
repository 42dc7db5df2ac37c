// The decisions column family: records, the latest pointer per user and placement, one
// synced commit of outcomes and counts that a reopened store loads again, and retention
// that removes old decisions with what was counted for them but keeps the counts.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "temp_store_dir.hpp"
#include "storage/decision_store.hpp"

using namespace cohort;
using testing::temp_store_dir;
using actors::decision_record;

namespace {

decision_record decision(std::string id, std::string user, std::int64_t at_ms) {
  return {std::move(id), std::move(user), "promo", "Hot", "A", false, "weighted", 3, at_ms,
          {0.5, 2.0}};
}

/// The id a lookup found, "none" when none, "error: ..." on a failure.
std::string id_or_none(const result<std::optional<std::string>>& r) {
  if (!r)
    return "error: " + r.error().reason;
  return r->value_or("none");
}

} // namespace

BOOST_AUTO_TEST_SUITE(decision_store_suite)

BOOST_AUTO_TEST_CASE(records_commits_and_reloads) {
  temp_store_dir dir{"decision-store"};
  const actors::arm_key arm{"promo", "Hot", "A", false};
  {
    auto db = storage::store::open(dir.path);
    BOOST_TEST_REQUIRE(static_cast<bool>(db));
    storage::decision_store s{**db};
    BOOST_TEST(static_cast<bool>(s.record(decision("d1", "u1", 1000))));
    BOOST_TEST(static_cast<bool>(s.record(decision("d2", "u1", 2000))));
    auto found = s.find("d1");
    BOOST_TEST_REQUIRE((found && *found));
    BOOST_TEST((*found)->features == (std::vector<double>{0.5, 2.0}), boost::test_tools::per_element());
    BOOST_TEST((*found)->model_version == 3u);
    BOOST_TEST(id_or_none(s.latest("u1", "promo")) == "d2");
    BOOST_TEST(!*s.latest("u1", "other"));

    actors::outcome_commit c;
    c.decisions["d1"] = {5, {"m1"}};
    c.arms[arm] = {1, 0, 1};
    c.version = 7;
    BOOST_TEST(static_cast<bool>(s.commit(c)));
  }
  auto db = storage::store::open(dir.path);
  BOOST_TEST_REQUIRE(static_cast<bool>(db));
  storage::decision_store s{**db};
  auto loaded = s.load();
  BOOST_TEST_REQUIRE(static_cast<bool>(loaded));
  BOOST_TEST(loaded->version == 7u);
  BOOST_TEST_REQUIRE(loaded->find(arm) != nullptr);
  BOOST_TEST(loaded->find(arm)->conversions == 1u);
  BOOST_TEST(s.outcomes_of("d1")->counted == 5);
  BOOST_TEST(id_or_none(s.message("m1")) == "d1");
}

// The learned score's versions and held-out examples are written as they come and
// reload in order with the head (examples below held_out_from are deleted); forgetting
// them (the config's inputs changed) leaves nothing behind.
BOOST_AUTO_TEST_CASE(learned_versions_reload_in_order_and_can_be_forgotten) {
  temp_store_dir dir{"decision-store"};
  const actors::learned_head head{{"cart_adds"}, 2, {0.7}, -0.1, 40, 3};
  auto example = [](std::uint64_t seq, double x, double label) {
    actors::held_out_example e;
    e.x = {x};
    e.label = label;
    e.seq = seq;
    e.decision = 100 + seq;
    return e;
  };
  {
    auto db = storage::store::open(dir.path);
    BOOST_TEST_REQUIRE(static_cast<bool>(db));
    storage::decision_store s{**db};
    BOOST_TEST(static_cast<bool>(s.commit_learned(
      {{{1, {2.0}, -2, NAN, 10}}, head, {example(0, 0.1, 0), example(1, 0.2, 0)}, 0}, false)));
    BOOST_TEST(static_cast<bool>(
      s.commit_learned({{{2, {1.5}, -1, 0.61, 20}, {10, {1.2}, -0.5, 0.55, 30}}, head,
                        {example(1, 0.2, 1), example(2, 0.3, 0)}, 1}, true)));
  }
  auto db = storage::store::open(dir.path);
  BOOST_TEST_REQUIRE(static_cast<bool>(db));
  storage::decision_store s{**db};
  auto loaded = s.load_learned();
  BOOST_TEST_REQUIRE(static_cast<bool>(loaded));
  const auto& [versions, h, held_out] = *loaded;
  BOOST_TEST_REQUIRE(versions.size() == 3u);
  BOOST_TEST(versions[0].version == 1u);
  BOOST_TEST(std::isnan(versions[0].holdout_log_loss));
  BOOST_TEST(versions[2].version == 10u);  // by number, not by text ("10" < "2")
  BOOST_TEST(versions[1].weights == (std::vector<double>{1.5}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(h.has_value());
  BOOST_TEST(h->current == 2u);
  BOOST_TEST(h->since_check == 40u);
  BOOST_TEST_REQUIRE(held_out.size() == 2u);  // seq 0 fell out; seq 1 was relabeled
  BOOST_TEST(held_out[0].seq == 1u);
  BOOST_TEST(held_out[0].label == 1.0);
  BOOST_TEST(held_out[1].x == (std::vector<double>{0.3}), boost::test_tools::per_element());
  BOOST_TEST(held_out[1].decision == 102u);
  BOOST_TEST(static_cast<bool>(s.forget_learned()));
  auto forgotten = s.load_learned();
  BOOST_TEST_REQUIRE(static_cast<bool>(forgotten));
  BOOST_TEST(forgotten->versions.empty());
  BOOST_TEST(forgotten->held_out.empty());
  BOOST_TEST(!forgotten->head.has_value());
}

BOOST_AUTO_TEST_CASE(prune_removes_old_decisions_and_what_was_counted_for_them) {
  temp_store_dir dir{"decision-store"};
  auto db = storage::store::open(dir.path);
  BOOST_TEST_REQUIRE(static_cast<bool>(db));
  storage::decision_store s{**db};
  s.record(decision("old-u1", "u1", 1000));
  s.record(decision("old-u2", "u2", 1500));
  s.record(decision("new-u2", "u2", 5000));  // u2's latest is newer than the cut
  actors::outcome_commit c;
  c.decisions["old-u1"] = {1, {"m-old"}};
  c.arms[{"promo", "Hot", "A", false}] = {1, 0, 0};
  c.version = 1;
  s.commit(c);

  auto pruned = s.prune(3000);
  BOOST_TEST_REQUIRE(static_cast<bool>(pruned));
  BOOST_TEST(*pruned == 2u);
  BOOST_TEST(!*s.find("old-u1"));
  BOOST_TEST(!*s.find("old-u2"));
  BOOST_TEST(static_cast<bool>(*s.find("new-u2")));
  BOOST_TEST(!*s.latest("u1", "promo"));
  BOOST_TEST(id_or_none(s.latest("u2", "promo")) == "new-u2");
  BOOST_TEST(!*s.message("m-old"));
  BOOST_TEST(s.outcomes_of("old-u1")->counted == 0);
  BOOST_TEST(s.load()->arms.size() == 1u);  // the counts stay
  BOOST_TEST(*s.prune(3000) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
