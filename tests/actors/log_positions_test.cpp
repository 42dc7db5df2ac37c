// Partition-qualified log positions (docs/cluster.md, section 4): a state skips exactly the
// events it holds, also after a merge brought in a state from another partition, whose
// positions are not comparable with its own.
#include <boost/test/unit_test.hpp>

#include "actors/log_positions.hpp"
#include "actors/session_state.hpp"
#include "model_fixture.hpp"

using namespace cohort;
using actors::log_positions;
using actors::session_state;

namespace {

codecs::event logged(std::string user, std::string id, std::uint32_t partition,
                     std::uint64_t seq, std::int64_t ts) {
  codecs::event ev;
  ev.message_id = std::move(id);
  ev.user_id = std::move(user);
  ev.type = "product_view";
  ev.timestamp_ms = ts;
  ev.received_ms = ts;
  ev.partition = partition;
  ev.seq = seq;
  return ev;
}

struct merge_fixture {
  std::shared_ptr<const actors::engine_model> model = test::spec_model();
  std::vector<actors::change_event> changes;
  session_state giver{"a", actors::session_limits{}};
  session_state receiver{"u", actors::session_limits{}};
};

} // namespace

BOOST_AUTO_TEST_SUITE(log_positions_suite)

BOOST_AUTO_TEST_CASE(a_position_advances_per_partition_only) {
  log_positions p;
  BOOST_TEST(p.advance(3, 10));
  BOOST_TEST(!p.advance(3, 10));
  BOOST_TEST(!p.advance(3, 9));
  BOOST_TEST(p.advance(1, 2));  // another partition counts on its own
  BOOST_TEST(p.advance(3, 11));
  BOOST_TEST(p.at(3) == 11u);
  BOOST_TEST(p.at(1) == 2u);
  BOOST_TEST(p.at(7) == 0u);
  BOOST_TEST(!p.advance(5, 0));  // not from the log: never recorded
  BOOST_TEST(p.at(5) == 0u);
}

BOOST_AUTO_TEST_CASE(absorbing_keeps_the_newer_position_of_each_partition) {
  log_positions a, b;
  a.mark(1, 100);
  a.mark(2, 5);
  b.mark(2, 7);
  b.mark(4, 1);
  a.absorb(b);
  BOOST_TEST(a.at(1) == 100u);
  BOOST_TEST(a.at(2) == 7u);
  BOOST_TEST(a.at(4) == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_merged_state_from_a_busier_partition_does_not_hide_own_events,
                        merge_fixture) {
  // The giver's partition is far ahead of the receiver's. A single position (the larger)
  // would make the receiver skip its own next events as already applied.
  giver.apply(logged("a", "a1", 1, 900, 1000), *model, changes);
  receiver.apply(logged("u", "u1", 2, 5, 2000), *model, changes);
  receiver.absorb(giver);
  auto next = receiver.apply(logged("u", "u2", 2, 6, 3000), *model, changes);
  BOOST_TEST((next == session_state::outcome::applied));
  auto replayed = receiver.apply(logged("u", "u1", 2, 5, 2000), *model, changes);
  BOOST_TEST((replayed == session_state::outcome::replayed));
  BOOST_TEST(receiver.events() == 3u);
}

BOOST_FIXTURE_TEST_CASE(positions_change_numbers_and_transfers_survive_a_snapshot,
                        merge_fixture) {
  receiver.apply(logged("u", "u1", 2, 5, 2000), *model, changes);
  receiver.apply(logged("u", "u2", 7, 1, 2500), *model, changes);
  BOOST_TEST(receiver.next_change_seq() == 1u);
  BOOST_TEST(receiver.next_change_seq() == 2u);
  receiver.note_transfer("T-1");
  auto restored = session_state::restore("u", actors::session_limits{}, receiver.snapshot());
  BOOST_REQUIRE(restored);
  BOOST_TEST(!restored->dirty());
  BOOST_TEST((restored->positions() == receiver.positions()));
  BOOST_TEST(restored->transfer_done("T-1"));
  BOOST_TEST(!restored->transfer_done("T-2"));
  BOOST_TEST(restored->next_change_seq() == 3u);
  auto again = restored->apply(logged("u", "u2", 7, 1, 2500), *model, changes);
  BOOST_TEST((again == session_state::outcome::replayed));
}

BOOST_AUTO_TEST_CASE(only_the_last_transfers_are_remembered) {
  session_state s{"u", actors::session_limits{}};
  for (int i = 0; i < 20; ++i)
    s.note_transfer("T-" + std::to_string(i));
  BOOST_TEST(!s.transfer_done("T-3"));
  BOOST_TEST(s.transfer_done("T-4"));
  BOOST_TEST(s.transfer_done("T-19"));
}

BOOST_AUTO_TEST_SUITE_END()
