// The event log: what an append acknowledged is replayed after a reopen, in order and
// numbered on from where it stopped; a checkpoint covers exactly the events up to its
// number, also inside one append's record; a log written one record per event (before
// records held a whole append) still replays.
#include <boost/test/unit_test.hpp>

#include <string_view>

#include <msgpack.hpp>

#include "temp_store_dir.hpp"
#include "storage/rocks_journal.hpp"

using namespace cohort;
using testing::temp_store_dir;

namespace {

codecs::event event_of(const std::string& user, const std::string& id) {
  codecs::event ev;
  ev.message_id = id;
  ev.user_id = user;
  ev.call = "track";
  ev.type = "page_view";
  ev.properties.push_back({"url", codecs::value::of_string("/" + id)});
  return ev;
}

actors::event_batch batch_of(const std::string& user, int first, int n) {
  actors::event_batch out;
  for (int i = first; i < first + n; ++i)
    out.push_back(event_of(user, "m" + std::to_string(i)));
  return out;
}

/// Opens the store in `dir` and a journal on it, as cohortd does at start.
struct opened {
  std::unique_ptr<storage::store> db;
  std::unique_ptr<storage::rocks_journal> journal;
  explicit opened(const std::string& dir) {
    auto s = storage::store::open(dir);
    BOOST_TEST_REQUIRE(static_cast<bool>(s), (s ? "" : s.error().reason));
    db = std::move(*s);
    journal = std::make_unique<storage::rocks_journal>(*db, false);
  }
  /// Appends events m<first>.. of `user` in one append; the number its last event got.
  std::uint64_t append(const std::string& user, int first, int n) {
    auto b = batch_of(user, first, n);
    auto r = journal->append(b);
    BOOST_TEST_REQUIRE(static_cast<bool>(r), (r ? "" : r.error().reason));
    BOOST_TEST(b.back().seq - b.front().seq == static_cast<std::uint64_t>(n - 1));
    return b.back().seq;
  }
  /// What replay yields, `chunk` events at a time, as "message id@number".
  std::vector<std::string> replayed(std::size_t chunk = 3) {
    std::vector<std::string> out;
    auto n = journal->replay(chunk, [&](actors::event_batch&& b) {
      BOOST_TEST(b.size() <= chunk);
      for (auto& ev : b)
        out.push_back(ev.message_id + "@" + std::to_string(ev.seq));
    });
    BOOST_TEST_REQUIRE(static_cast<bool>(n), (n ? "" : n.error().reason));
    BOOST_TEST(*n == out.size());
    return out;
  }
};

using ids = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_SUITE(rocks_journal_suite)

BOOST_AUTO_TEST_CASE(appends_replay_in_order_after_a_reopen_and_number_on) {
  temp_store_dir dir{"rocks-journal"};
  {
    opened o{dir.path};
    BOOST_TEST(o.append("u1", 1, 4) == 4u);
    BOOST_TEST(o.append("u2", 5, 2) == 6u);
  }
  opened o{dir.path};
  BOOST_TEST(o.replayed() == (ids{"m1@1", "m2@2", "m3@3", "m4@4", "m5@5", "m6@6"}),
             boost::test_tools::per_element());
  BOOST_TEST(o.append("u1", 7, 1) == 7u);
}

BOOST_AUTO_TEST_CASE(an_append_without_events_stores_its_writes_and_logs_nothing) {
  temp_store_dir dir{"rocks-journal"};
  {
    opened o{dir.path};
    BOOST_TEST(o.append("u1", 1, 2) == 2u);
    actors::event_batch none;
    auto r = o.journal->append(none, {{"anon-1", std::string{"u1"}}}, {});
    BOOST_TEST_REQUIRE(static_cast<bool>(r), (r ? "" : r.error().reason));
  }
  opened o{dir.path};
  BOOST_TEST(o.replayed() == (ids{"m1@1", "m2@2"}), boost::test_tools::per_element());
  auto links = o.journal->identity_records();
  BOOST_TEST_REQUIRE(static_cast<bool>(links));
  BOOST_TEST_REQUIRE(links->size() == 1u);
  BOOST_TEST(links->front().first == "anon-1");
  BOOST_TEST(o.append("u1", 3, 1) == 3u);
}

BOOST_AUTO_TEST_CASE(replayed_events_keep_their_fields) {
  temp_store_dir dir{"rocks-journal"};
  opened o{dir.path};
  auto a = batch_of("u1", 1, 2);
  a[1].anonymous_id = "anon-1";
  a[1].timestamp_ms = 1700000000123;
  BOOST_TEST_REQUIRE(static_cast<bool>(o.journal->append(a)));
  actors::event_batch back;
  BOOST_TEST_REQUIRE(static_cast<bool>(
    o.journal->replay(10, [&](actors::event_batch&& b) { back = std::move(b); })));
  BOOST_TEST_REQUIRE(back.size() == 2u);
  BOOST_TEST(back[1].anonymous_id == "anon-1");
  BOOST_TEST(back[1].timestamp_ms == 1700000000123);
  BOOST_TEST_REQUIRE(back[1].properties.size() == 1u);
  BOOST_TEST(back[1].properties[0].key == "url");
  BOOST_TEST(back[1].properties[0].val.text == "/m2");
}

BOOST_AUTO_TEST_CASE(each_appended_event_holds_its_own_encoding_from_the_record) {
  temp_store_dir dir{"rocks-journal"};
  opened o{dir.path};
  auto a = batch_of("u1", 1, 3);
  a[1].properties.push_back({"note", codecs::value::of_string(std::string(300, 'x'))});
  BOOST_TEST_REQUIRE(static_cast<bool>(o.journal->append(a)));
  for (const auto& ev : a) {
    // Packed after its number was given: the slice is the event as the log holds it.
    msgpack::sbuffer alone;
    msgpack::pack(alone, ev);
    BOOST_TEST_REQUIRE(!ev.packed.empty());
    BOOST_TEST(ev.packed.bytes() == std::string_view(alone.data(), alone.size()));
  }
  auto decoded = batch_of("u1", 4, 1);
  BOOST_TEST(decoded.front().packed.empty());  // not logged: nothing to share
}

BOOST_AUTO_TEST_CASE(a_checkpoint_inside_an_append_skips_exactly_what_it_covers) {
  temp_store_dir dir{"rocks-journal"};
  {
    opened o{dir.path};
    BOOST_TEST(o.append("u1", 1, 3) == 3u);
    BOOST_TEST(o.append("u2", 4, 3) == 6u);
    BOOST_TEST_REQUIRE(static_cast<bool>(o.journal->checkpoint(5)));
  }
  opened o{dir.path};
  BOOST_TEST(o.journal->checkpointed() == 5u);
  BOOST_TEST(o.replayed() == (ids{"m6@6"}), boost::test_tools::per_element());
  BOOST_TEST(o.append("u1", 7, 1) == 7u);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_at_the_end_leaves_nothing_to_replay_and_numbers_on) {
  temp_store_dir dir{"rocks-journal"};
  {
    opened o{dir.path};
    BOOST_TEST(o.append("u1", 1, 3) == 3u);
    BOOST_TEST_REQUIRE(static_cast<bool>(o.journal->checkpoint(3)));
  }
  opened o{dir.path};
  BOOST_TEST(o.replayed().empty());
  BOOST_TEST(o.append("u1", 4, 1) == 4u);
}

BOOST_AUTO_TEST_CASE(a_log_of_one_record_per_event_still_replays) {
  temp_store_dir dir{"rocks-journal"};
  {
    opened o{dir.path};
    for (int i = 1; i <= 2; ++i) {
      auto ev = event_of("u1", "old" + std::to_string(i));
      ev.seq = static_cast<std::uint64_t>(i);
      msgpack::sbuffer buf;
      msgpack::pack(buf, ev);
      auto st = o.db->db().Put(rocksdb::WriteOptions{}, o.db->handle(storage::family::events),
                               storage::sequence_key(ev.seq),
                               rocksdb::Slice(buf.data(), buf.size()));
      BOOST_TEST_REQUIRE(st.ok());
    }
  }
  opened o{dir.path};
  BOOST_TEST(o.append("u1", 3, 2) == 4u);
  BOOST_TEST(o.replayed() == (ids{"old1@1", "old2@2", "m3@3", "m4@4"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unreadable_record_fails_the_replay_with_its_number) {
  temp_store_dir dir{"rocks-journal"};
  opened o{dir.path};
  auto st = o.db->db().Put(rocksdb::WriteOptions{}, o.db->handle(storage::family::events),
                           storage::sequence_key(9), "\xc1 not msgpack");
  BOOST_TEST_REQUIRE(st.ok());
  auto n = o.journal->replay(10, [](actors::event_batch&&) {});
  BOOST_TEST_REQUIRE(!n);
  BOOST_TEST(n.error().reason.find("event log entry 9 is unreadable") != std::string::npos,
             n.error().reason);
}

BOOST_AUTO_TEST_SUITE_END()
