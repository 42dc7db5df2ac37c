// The decisions column family: records, the latest pointer per user and placement, one
// synced commit of outcomes and counts that a reopened store loads again, and retention
// that removes old decisions with what was counted for them but keeps the counts.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <unistd.h>

#include "storage/decision_store.hpp"

using namespace cohort;
using actors::decision_record;

namespace {

struct temp_store_dir {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("cohort-decision-store-" + std::to_string(::getpid()))).string();
  temp_store_dir() { std::filesystem::remove_all(path); }
  ~temp_store_dir() { std::filesystem::remove_all(path); }
};

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
  temp_store_dir dir;
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

BOOST_AUTO_TEST_CASE(prune_removes_old_decisions_and_what_was_counted_for_them) {
  temp_store_dir dir;
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
