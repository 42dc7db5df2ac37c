#include <boost/test/unit_test.hpp>

#include <optional>
#include <set>

#include "kafka_fixture.hpp"

using namespace cohort;
using namespace cohort::cluster;
using namespace cohort::cluster::test;

namespace {

/// A group member as an owner would drive it: it tracks what it owns, consumes, and
/// commits its positions when partitions are revoked (the final checkpoint).
struct member {
  std::set<kafka::topic_partition> owned;
  std::map<kafka::topic_partition, std::int64_t> next;  ///< the next offset to consume, per partition
  std::vector<kafka::kafka_message> records;
  int assignments = 0;
  int revocations = 0;
  bool lost = false;
  std::string commit_error;
  std::unique_ptr<kafka::kafka_consumer> consumer;  ///< last: destroyed before what the listener uses

  kafka::rebalance_listener listener() {
    return {[this](std::vector<kafka::partition_start>& assigned) {
              ++assignments;
              for (const auto& start : assigned)
                owned.insert(start.partition);
            },
            [this](const std::vector<kafka::topic_partition>& revoked, bool was_lost) {
              ++revocations;
              lost = lost || was_lost;
              std::vector<kafka::topic_partition_offset> positions;
              for (const auto& tp : revoked) {
                owned.erase(tp);
                if (auto it = next.find(tp); it != next.end())
                  positions.push_back({tp.topic, tp.partition, it->second});
              }
              if (auto committed = consumer->commit(positions); !committed)
                commit_error = committed.error().reason;
            }};
  }

  /// Commits the positions of every partition it consumed (a checkpoint).
  result<bool> checkpoint() {
    std::vector<kafka::topic_partition_offset> positions;
    for (const auto& [tp, offset] : next)
      positions.push_back({tp.topic, tp.partition, offset});
    return consumer->commit(positions);
  }

  void poll_once() {
    auto m = consumer->poll(20ms);
    if (!m)
      return;
    if (m->is_error()) {
      BOOST_TEST_MESSAGE(consumer.get() << " error: " << m->error);
      return;
    }
    if (m->is_record()) {
      next[{m->topic, m->partition}] = m->offset + 1;
      records.push_back(std::move(*m));
    }
  }
};

std::set<kafka::topic_partition> all_partitions(const std::string& topic, int n) {
  std::set<kafka::topic_partition> out;
  for (int p = 0; p < n; ++p)
    out.insert({topic, p});
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(consumer_group_spec, mock_fixture)

BOOST_AUTO_TEST_CASE(two_members_split_the_partitions_and_a_graceful_leaver_hands_over_its_share) {
  auto topic = make_topic("group.split", 4);
  auto producer = make_producer();
  for (int p = 0; p < 4; ++p)
    produce_all(*producer, topic, p, numbered("p" + std::to_string(p) + "-", 5));

  // Both join; the range assignor gives each two partitions, disjoint, all covered. The
  // case is a split in the group's first generation: when the mock formed it before the
  // second member's join arrived (a slow start, under sanitizers), the first member took
  // all four partitions alone and then gave two back, a different case (more revocations,
  // a rebalance that may still be settling at close); a fresh group is formed then.
  std::optional<member> a, b;
  for (int attempt = 1;; ++attempt) {
    auto group = "split-" + std::to_string(attempt);
    a.emplace();
    b.emplace();
    a->consumer = make_consumer("member-a", group);
    b->consumer = make_consumer("member-b", group);
    BOOST_TEST_REQUIRE(succeeded(a->consumer->subscribe({topic}, a->listener())));
    BOOST_TEST_REQUIRE(succeeded(b->consumer->subscribe({topic}, b->listener())));
    auto started = clock::now();
    BOOST_TEST_REQUIRE(eventually([&] {
      std::set<kafka::topic_partition> together = a->owned;
      together.insert(b->owned.begin(), b->owned.end());
      return a->owned.size() == 2 && b->owned.size() == 2
             && together == all_partitions(topic, 4);
    }, 20s, [&] {
      a->poll_once();
      b->poll_once();
    }));
    BOOST_TEST_MESSAGE("split after " << std::chrono::duration_cast<std::chrono::milliseconds>(
                         clock::now() - started).count() << " ms");
    if (a->revocations == 0 && b->revocations == 0)
      break;
    BOOST_TEST_MESSAGE("attempt " << attempt << ": one member joined late; a fresh group");
    BOOST_TEST_REQUIRE(attempt < 3);
    BOOST_TEST_REQUIRE(succeeded(a->consumer->close()));
    BOOST_TEST_REQUIRE(succeeded(b->consumer->close()));
  }
  auto both = [&] {
    a->poll_once();
    b->poll_once();
  };
  BOOST_TEST_REQUIRE(eventually([&] { return a->records.size() + b->records.size() == 20; }, 10s,
                                both));
  for (const auto& r : a->records)
    BOOST_TEST(a->owned.count({r.topic, r.partition}) == 1u);
  for (const auto& r : b->records)
    BOOST_TEST(b->owned.count({r.topic, r.partition}) == 1u);
  auto a_share = a->owned;
  BOOST_TEST_REQUIRE(succeeded(a->checkpoint()));
  BOOST_TEST_REQUIRE(succeeded(b->checkpoint()));

  // A leaves: its on_revoked runs inside close() (not lost) and commits its positions.
  int b_assignments = b->assignments;
  BOOST_TEST_REQUIRE(succeeded(a->consumer->close()));
  BOOST_TEST(a->revocations == 1);
  BOOST_TEST(!a->lost);
  BOOST_TEST(a->commit_error == "");
  BOOST_TEST(a->owned.empty());

  // B gets everything (eager protocol: revoke all, then assign all) within the rebalance.
  auto handover_started = clock::now();
  BOOST_TEST_REQUIRE(eventually([&] {
    return b->assignments > b_assignments && b->owned == all_partitions(topic, 4);
  }, 15s, [&] { b->poll_once(); }));
  BOOST_TEST_MESSAGE("handover after " << std::chrono::duration_cast<std::chrono::milliseconds>(
                       clock::now() - handover_started).count() << " ms");
  BOOST_TEST(b->revocations >= 1);
  // B's own commit from on_revoked came while the group was rebalancing: the mock refuses
  // that (a real broker accepts commits of the current generation until the rejoin).
  BOOST_TEST_MESSAGE("B's commit on revoke: " << (b->commit_error.empty() ? "ok" : b->commit_error));

  // B resumes every partition from the committed positions: nothing is read twice.
  auto before = b->records.size();
  auto a_partition = a_share.begin()->partition;
  produce_all(*producer, topic, a_partition, {"after-handover"});
  BOOST_TEST_REQUIRE(eventually([&] { return b->records.size() > before; }, 10s,
                                [&] { b->poll_once(); }));
  for (int i = 0; i < 20; ++i)  // a little longer for duplicates to show, if any
    b->poll_once();
  BOOST_TEST_REQUIRE(b->records.size() == before + 1);
  BOOST_TEST(b->records.back().value == "after-handover");
  BOOST_TEST(b->records.back().partition == a_partition);
  BOOST_TEST(b->records.back().offset == 5);
}

BOOST_AUTO_TEST_CASE(the_listener_starts_a_new_partition_at_an_offset_or_holds_it_until_restored) {
  auto topic = make_topic("group.start", 2);
  auto producer = make_producer();
  for (int p = 0; p < 2; ++p)
    produce_all(*producer, topic, p, numbered("r", 6));

  // Partition 0 starts at offset 3; partition 1 is held while its state "restores".
  std::vector<kafka::topic_partition> held;
  std::vector<kafka::kafka_message> records;
  auto consumer = make_consumer("starter", std::string("start"));
  kafka::rebalance_listener listener{[&](std::vector<kafka::partition_start>& assigned) {
                                for (auto& start : assigned) {
                                  if (start.partition.partition == 0) {
                                    start.offset = 3;
                                  } else {
                                    start.paused = true;
                                    held.push_back(start.partition);
                                  }
                                }
                              },
                              {}};
  BOOST_TEST_REQUIRE(succeeded(consumer->subscribe({topic}, listener)));
  auto poll = [&] {
    if (auto m = consumer->poll(20ms); m && m->is_record())
      records.push_back(*m);
  };
  BOOST_TEST_REQUIRE(eventually([&] { return records.size() >= 3; }, 20s, poll));
  BOOST_TEST_REQUIRE(!held.empty());
  eventually([] { return false; }, 500ms, poll);  // time for a held record to slip through
  // A loaded machine may see the group rebalance again, which starts partition 0 at
  // offset 3 once more: repeats are allowed, anything before 3 or from partition 1 not.
  for (const auto& r : records) {
    BOOST_TEST(r.partition == 0);
    BOOST_TEST(r.offset >= 3);
  }

  // Restored: seek the held partition to its marker (offset 4) and resume it.
  std::vector<kafka::kafka_message> of_held;
  auto poll_held = [&] {
    if (auto m = consumer->poll(20ms); m && m->is_record() && m->partition == 1)
      of_held.push_back(*m);
  };
  BOOST_TEST_REQUIRE(succeeded(consumer->seek(topic, 1, 4)));
  BOOST_TEST_REQUIRE(succeeded(consumer->resume({held.back()})));
  BOOST_TEST_REQUIRE(eventually([&] { return of_held.size() >= 2; }, 10s, poll_held));
  BOOST_TEST(of_held[0].offset == 4);
  BOOST_TEST(of_held[1].value == "r5");
}

BOOST_AUTO_TEST_SUITE_END()
