// cluster/log_records: every topic's records read back as written, and the restore rule
// that keeps a zombie owner's late writes out of a new owner's state.
#include <boost/test/unit_test.hpp>

#include "actors/transfer.hpp"
#include "cluster/log_records.hpp"
#include "cluster/partitioning.hpp"

using namespace cohort;
using namespace cohort::cluster;

BOOST_AUTO_TEST_SUITE(log_records)

BOOST_AUTO_TEST_CASE(event_and_transfer_records_read_back) {
  log_record event;
  event.ev.message_id = "m1";
  event.ev.user_id = "u1";
  event.ev.profile_id = "p1";
  event.ev.properties.push_back({"path", codecs::value::of_string("/home")});
  auto back = decode_log_record(encode(event));
  BOOST_REQUIRE(back);
  BOOST_TEST((back->what == log_record::kind::event));
  BOOST_TEST(back->ev.message_id == "m1");
  BOOST_TEST(back->ev.route_key() == "p1");

  actors::transfer_plan plan{"u", "a", {}, "identify", 1, "T-1"};
  log_record state{log_record::kind::state, actors::transfer_record(plan, 5), "bytes"};
  auto state_back = decode_log_record(encode(state));
  BOOST_REQUIRE(state_back);
  BOOST_TEST((state_back->what == log_record::kind::state));
  BOOST_TEST(state_back->given == "bytes");
  BOOST_TEST(actors::plan_of(state_back->ev).id == "T-1");
}

BOOST_AUTO_TEST_CASE(garbage_is_refused_with_a_reason) {
  auto bad = decode_log_record("\xc1\x02");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().reason.find("log record") != std::string::npos);
  BOOST_TEST(!decode_member("nope"));
}

BOOST_AUTO_TEST_CASE(a_new_claim_shuts_out_the_previous_owners_later_writes) {
  state_fold fold;
  BOOST_REQUIRE(fold.add(claim_key, encode_claim(1, "n1")));
  BOOST_REQUIRE(fold.add(snapshot_key("a"), encode_snapshot(1, "a@1")));
  BOOST_REQUIRE(fold.add(marker_key, encode_marker(1, 40)));
  BOOST_REQUIRE(fold.add(claim_key, encode_claim(2, "n2")));
  // n1 was stopped, lost the partition, and resumes: its writes come after n2's claim.
  BOOST_REQUIRE(fold.add(snapshot_key("a"), encode_snapshot(1, "a@zombie")));
  BOOST_REQUIRE(fold.add(marker_key, encode_marker(1, 99)));
  BOOST_REQUIRE(fold.add(snapshot_key("b"), encode_snapshot(2, "b@2")));
  BOOST_TEST(fold.epoch() == 2u);
  BOOST_TEST(fold.marker() == 40);
  BOOST_TEST(fold.snapshots().at("a") == "a@1");
  BOOST_TEST(fold.snapshots().at("b") == "b@2");
  BOOST_TEST(fold.ignored() == 2u);
  BOOST_REQUIRE(fold.add(marker_key, encode_marker(2, 120)));
  BOOST_TEST(fold.marker() == 120);
}

BOOST_AUTO_TEST_CASE(a_new_claim_goes_above_every_epoch_seen_even_without_claims) {
  // A partition that kept only its latest records (compaction, or the mock's retention)
  // may have lost its claims; the next claim must still be above what is there.
  state_fold fold;
  BOOST_REQUIRE(fold.add(snapshot_key("a"), encode_snapshot(5, "a@5")));
  BOOST_REQUIRE(fold.add(marker_key, encode_marker(6, 10)));
  BOOST_TEST(fold.epoch() == 0u);
  BOOST_TEST(fold.highest_epoch() == 6u);
  BOOST_TEST(fold.snapshots().at("a") == "a@5");
}

BOOST_AUTO_TEST_CASE(an_unknown_state_key_is_an_error) {
  state_fold fold;
  BOOST_TEST(!fold.add("x", "y"));
}

BOOST_AUTO_TEST_CASE(member_identity_and_change_records_read_back) {
  member_record m{"n1", "boot", "127.0.0.1:8080", "127.0.0.1:7400", 123, false,
                  {{3, "serving", 2, 10, 12}}, 4};
  auto back = decode_member(encode(m));
  BOOST_REQUIRE(back);
  BOOST_TEST(back->partitions.at(0).state == "serving");
  BOOST_TEST(back->sequencer_epoch == 4u);
  auto deleted = decode_identity("p/x", encode_identity(3, std::nullopt));
  BOOST_REQUIRE(deleted);
  BOOST_TEST(!deleted->bytes.has_value());
  BOOST_TEST(deleted->epoch == 3u);
  actors::change_event change;
  change.type = actors::change_event::kind::tags_change;
  change.user_id = "u";
  change.seq = 7;
  auto change_back = decode_change(encode(change));
  BOOST_REQUIRE(change_back);
  BOOST_TEST((change_back->type == actors::change_event::kind::tags_change));
  BOOST_TEST(change_back->seq == 7u);
}

BOOST_AUTO_TEST_CASE(a_profile_has_one_partition_everywhere) {
  BOOST_TEST(partition_of("alice", 64) == partition_of("alice", 64));
  BOOST_TEST(partition_of("alice", 1) == 0);
  std::set<std::int32_t> seen;
  for (int i = 0; i < 200; ++i)
    seen.insert(partition_of("user-" + std::to_string(i), 8));
  BOOST_TEST(seen.size() == 8u);  // FNV-1a spreads
}

BOOST_AUTO_TEST_SUITE_END()
