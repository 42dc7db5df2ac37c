#include <boost/test/unit_test.hpp>

#include "actors/profile_state.hpp"
#include "model_fixture.hpp"

using namespace cohort;
using actors::change_event;
using actors::profile_state;
using actors::session_state;

namespace {

constexpr std::int64_t second = 1000;
constexpr std::int64_t minute = 60 * second;

/// An event of `who` (a userId "U..." or an anonymousId otherwise) of `type` at `ts`.
codecs::event event_of(std::string who, std::string id, std::string type, std::int64_t ts,
                       const char* path = nullptr) {
  codecs::event ev;
  (who.front() == 'U' ? ev.user_id : ev.anonymous_id) = std::move(who);
  ev.message_id = std::move(id);
  ev.type = std::move(type);
  ev.call = "track";
  ev.timestamp_ms = ts;
  ev.received_ms = ts;
  if (path != nullptr)
    ev.properties.push_back({"path", codecs::value::of_string(path)});
  return ev;
}

/// `ev` as identity resolution stamps it once its user's profile joined `profile`.
codecs::event into(codecs::event ev, const std::string& profile) {
  ev.origin = ev.user_key();
  ev.profile_id = profile;
  return ev;
}

/// The transfer record an absorb or extract is caused by.
codecs::event cause_at(std::int64_t ts, const char* id = "transfer") {
  codecs::event ev;
  ev.call = "cohort.transfer";
  ev.message_id = id;
  ev.timestamp_ms = ts;
  ev.received_ms = ts;
  return ev;
}

struct merge_fixture {
  std::shared_ptr<const actors::engine_model> model = test::spec_model();
  actors::session_limits limits;
  profile_state u{"U", limits};
  profile_state a{"A", limits};
  std::vector<change_event> changes;

  session_state::outcome apply(profile_state& p, const codecs::event& ev) {
    return p.apply(ev, *model, changes);
  }

  double feature(const actors::profile& p, const std::string& name) {
    for (const auto& [n, v] : p.features)
      if (n == name)
        return v;
    BOOST_FAIL("no feature " << name);
    return 0;
  }

  std::vector<std::string> recent_ids(const actors::profile& p) {
    std::vector<std::string> out;
    for (const auto& ev : p.recent)
      out.push_back(ev.message_id);
    return out;
  }

  /// What a user relies on being equal: counts, sessions, features, outputs.
  void check_same(const actors::profile& got, const actors::profile& want) {
    BOOST_TEST(got.events == want.events);
    BOOST_TEST((got.event_counts == want.event_counts));
    BOOST_TEST(got.duplicates == want.duplicates);
    BOOST_TEST(got.late == want.late);
    BOOST_TEST(got.first_seen_ms == want.first_seen_ms);
    BOOST_TEST(got.last_seen_ms == want.last_seen_ms);
    BOOST_TEST(got.session.started_ms == want.session.started_ms);
    BOOST_TEST(got.session.last_event_ms == want.session.last_event_ms);
    BOOST_TEST(got.session.events == want.session.events);
    BOOST_REQUIRE(got.features.size() == want.features.size());
    for (std::size_t i = 0; i < got.features.size(); ++i)
      BOOST_TEST(got.features[i].second == want.features[i].second,
                 got.features[i].first << " " << got.features[i].second << " vs "
                                       << want.features[i].second);
    BOOST_TEST((got.text_features == want.text_features));
    BOOST_TEST(got.score == want.score, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(got.segment == want.segment);
    BOOST_TEST(got.tags == want.tags);
    BOOST_TEST(recent_ids(got) == recent_ids(want));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(profile_state_suite, merge_fixture)

BOOST_AUTO_TEST_CASE(a_merge_equals_one_profile_fed_every_event) {
  // Interleaved in time, all within one 30-minute session; three product views within
  // 5 minutes and a wishlist add only together.
  std::vector<codecs::event> mine{event_of("U", "u1", "product_view", 0, "/p1"),
                                  event_of("U", "u2", "wishlist_add", 90 * second)};
  std::vector<codecs::event> theirs{event_of("A", "a1", "product_view", 30 * second, "/p2"),
                                    event_of("A", "a2", "product_view", 60 * second, "/p3"),
                                    event_of("A", "a3", "click", 100 * second)};
  for (const auto& ev : mine)
    apply(u, ev);
  for (const auto& ev : theirs)
    apply(a, ev);
  BOOST_TEST(u.combined().tags().empty());
  BOOST_TEST(a.combined().tags().empty());

  session_state all{"U", limits};
  std::vector<change_event> ignored;
  for (const auto& ev : {mine[0], theirs[0], theirs[1], mine[1], theirs[2]})
    BOOST_REQUIRE((all.apply(ev, *model, ignored) == session_state::outcome::applied));

  changes.clear();
  u.absorb(a, cause_at(100 * second), *model, changes);
  auto merged = u.combined().view(*model);
  auto want = all.view(*model);
  check_same(merged, want);
  BOOST_TEST(merged.events == 5u);
  BOOST_TEST(merged.event_counts.at("product_view") == 3u);
  BOOST_TEST(feature(merged, "sessions") == 1.0);  // one session, not two
  BOOST_TEST(merged.session.events == 5u);
  BOOST_TEST(merged.session.started_ms == 0);
  // The windowed count saw the other side's views: the tag appears on the merge.
  BOOST_TEST(u.combined().tags() == std::vector<std::string>{"High Consideration"});
  BOOST_REQUIRE(!changes.empty());
  BOOST_TEST((changes.back().type == change_event::kind::tags_change));
  BOOST_TEST(changes.back().added == std::vector<std::string>{"High Consideration"});
  BOOST_TEST(changes.back().message_id == "transfer");
  BOOST_TEST(changes.back().user_id == "U");
  auto origins = u.origins();
  BOOST_TEST(origins == (std::vector<std::string>{"A", "U"}));
}

BOOST_AUTO_TEST_CASE(sessions_far_apart_stay_two_sessions_after_a_merge) {
  apply(u, event_of("U", "u1", "page_view", 0, "/"));
  apply(a, event_of("A", "a1", "page_view", 2 * 60 * minute, "/"));
  u.absorb(a, cause_at(2 * 60 * minute), *model, changes);
  auto p = u.combined().view(*model);
  BOOST_TEST(feature(p, "sessions") == 2.0);
  BOOST_TEST(p.session.started_ms == 2 * 60 * minute);
  BOOST_TEST(p.first_seen_ms == 0);
}

BOOST_AUTO_TEST_CASE(the_segment_is_recomputed_by_the_merge) {
  // Each side alone: one session of one page view, a bounce.
  apply(u, event_of("U", "u1", "page_view", 0, "/"));
  apply(a, event_of("A", "a1", "page_view", 10 * second, "/b"));
  BOOST_TEST(u.combined().segment() == "Bounce Risk");
  BOOST_TEST(a.combined().segment() == "Bounce Risk");
  changes.clear();
  u.absorb(a, cause_at(10 * second, "merge-record"), *model, changes);
  // Together: one session of two views, no bounce.
  BOOST_TEST(u.combined().segment() == "Standard");
  BOOST_REQUIRE(changes.size() == 1u);
  BOOST_TEST((changes[0].type == change_event::kind::segment_change));
  BOOST_TEST(changes[0].from == "Bounce Risk");
  BOOST_TEST(changes[0].to == "Standard");
  BOOST_TEST(changes[0].message_id == "merge-record");
  // A merge that changes no output publishes nothing.
  profile_state b{"B", limits};
  apply(b, event_of("B", "b1", "page_view", 20 * second, "/c"));
  changes.clear();
  u.absorb(b, cause_at(20 * second), *model, changes);
  BOOST_TEST(u.combined().segment() == "Standard");
  BOOST_TEST(changes.empty());
}

BOOST_AUTO_TEST_CASE(a_retry_seen_by_the_other_side_is_a_duplicate_after_the_merge) {
  apply(u, event_of("U", "u1", "click", 0));
  apply(a, event_of("A", "shared-retry", "click", 10 * second));
  u.absorb(a, cause_at(10 * second), *model, changes);
  // The same message again, now through U (its client retried after identifying).
  auto retry = event_of("U", "shared-retry", "click", 20 * second);
  BOOST_TEST((apply(u, retry) == session_state::outcome::duplicate));
  // And through A, routed to U's profile as part A.
  BOOST_TEST((apply(u, into(event_of("A", "u1", "click", 30 * second), "U"))
              == session_state::outcome::duplicate));
  auto p = u.combined().view(*model);
  BOOST_TEST(p.events == 2u);
  BOOST_TEST(p.duplicates == 2u);
  BOOST_TEST((apply(u, event_of("U", "fresh", "click", 40 * second))
              == session_state::outcome::applied));
}

BOOST_AUTO_TEST_CASE(window_counts_of_both_sides_add_up) {
  std::vector<config::window_spec> windows{{"product_view", 5 * minute}};
  actors::window_counts mine, theirs;
  mine.add(windows, "product_view", 0);
  mine.add(windows, "product_view", 2 * minute);
  theirs.add(windows, "product_view", 1 * minute);
  theirs.add(windows, "product_view", 6 * minute);
  mine.absorb(theirs);
  // (1m, 6m]: the views at 2m and 6m; (0, 5m] at latest 5m: 1m and 2m.
  BOOST_TEST(mine.count(windows[0], 6 * minute) == 2.0);
  BOOST_TEST(mine.count(windows[0], 5 * minute) == 2.0);
  BOOST_TEST(mine.count(windows[0], 4 * minute) == 3.0);
}

BOOST_AUTO_TEST_CASE(extract_right_after_a_merge_gives_back_each_side_byte_for_byte) {
  apply(u, event_of("U", "u1", "product_view", 0, "/p1"));
  apply(u, event_of("U", "u2", "add_to_cart", 40 * second));
  apply(a, event_of("A", "a1", "product_view", 20 * second, "/p2"));
  apply(a, event_of("A", "a2", "page_view", 50 * second, "/home"));
  apply(a, event_of("A", "a2", "page_view", 55 * second, "/home"));  // a duplicate
  auto u_bytes = u.snapshot();
  auto a_bytes = a.snapshot();
  auto u_view = u.combined().view(*model);
  auto a_view = a.combined().view(*model);

  u.absorb(a, cause_at(60 * second), *model, changes);
  BOOST_TEST(u.combined().events() == 4u);
  auto split = u.extract({"A"}, "A", cause_at(70 * second, "unmerge"), *model, changes);

  BOOST_TEST(split.key() == "A");
  BOOST_TEST(split.origins() == std::vector<std::string>{"A"});
  BOOST_TEST(u.origins() == std::vector<std::string>{"U"});
  check_same(split.combined().view(*model), a_view);
  check_same(u.combined().view(*model), u_view);
  BOOST_TEST(split.snapshot() == a_bytes);
  BOOST_TEST(u.snapshot() == u_bytes);
}

BOOST_AUTO_TEST_CASE(extract_after_later_events_gives_each_side_exactly_its_own_events) {
  session_state only_u{"U", limits}, only_a{"A", limits};
  std::vector<change_event> ignored;
  auto feed = [&](profile_state& p, session_state& ref, codecs::event ev) {
    BOOST_REQUIRE((apply(p, ev) == session_state::outcome::applied));
    ev.origin.clear();
    ev.profile_id.clear();
    ref.apply(ev, *model, ignored);
  };
  feed(u, only_u, event_of("U", "u1", "product_view", 0, "/p1"));
  feed(a, only_a, event_of("A", "a1", "page_view", 10 * second, "/"));
  u.absorb(a, cause_at(10 * second), *model, changes);
  // After the merge both identities keep sending; A's events reach U's profile as part A.
  feed(u, only_a, into(event_of("A", "a2", "product_view", 20 * second, "/p2"), "U"));
  feed(u, only_u, event_of("U", "u2", "add_to_cart", 30 * second));
  feed(u, only_a, into(event_of("A", "a3", "wishlist_add", 40 * second), "U"));
  feed(u, only_u, event_of("U", "u3", "page_view", 50 * second, "/checkout"));
  BOOST_TEST(u.combined().events() == 6u);

  auto split = u.extract({"A"}, "A", cause_at(60 * second), *model, changes);
  auto got_a = split.combined().view(*model);
  auto got_u = u.combined().view(*model);
  check_same(got_a, only_a.view(*model));
  check_same(got_u, only_u.view(*model));
  BOOST_TEST(recent_ids(got_a) == (std::vector<std::string>{"a1", "a2", "a3"}));
  BOOST_TEST(recent_ids(got_u) == (std::vector<std::string>{"u1", "u2", "u3"}));
  BOOST_TEST(got_a.event_counts.count("add_to_cart") == 0u);
  BOOST_TEST(got_u.event_counts.count("wishlist_add") == 0u);
}

BOOST_AUTO_TEST_CASE(extract_of_an_origin_it_does_not_hold_takes_nothing) {
  apply(u, event_of("U", "u1", "click", 0));
  apply(a, event_of("A", "a1", "click", 1000));
  u.absorb(a, cause_at(1000), *model, changes);
  auto none = u.extract({"Z"}, "Z", cause_at(2000), *model, changes);
  BOOST_TEST(none.combined().events() == 0u);
  BOOST_TEST(u.combined().events() == 2u);
  BOOST_TEST(u.origins() == (std::vector<std::string>{"A", "U"}));
}

BOOST_AUTO_TEST_CASE(a_multi_part_profile_survives_snapshot_and_restore) {
  apply(u, event_of("U", "u1", "product_view", 0, "/p1"));
  apply(a, event_of("A", "a1", "page_view", 10 * second, "/"));
  u.absorb(a, cause_at(10 * second), *model, changes);
  apply(u, into(event_of("A", "a2", "click", 20 * second), "U"));
  auto bytes = u.snapshot();

  auto back = profile_state::restore("U", limits, bytes);
  BOOST_REQUIRE_MESSAGE(back, (back ? "" : back.error().reason));
  BOOST_TEST(back->key() == "U");
  BOOST_TEST(back->origins() == (std::vector<std::string>{"A", "U"}));
  check_same(back->combined().view(*model), u.combined().view(*model));
  BOOST_TEST(back->snapshot() == bytes);
  // The parts came back too: an unmerge of the restored profile splits the same way.
  auto copy = *back;
  auto from_restored = back->extract({"A"}, "A", cause_at(30 * second), *model, changes);
  auto from_live = u.extract({"A"}, "A", cause_at(30 * second), *model, changes);
  BOOST_TEST(from_restored.combined().events() == 2u);
  BOOST_TEST(from_restored.snapshot() == from_live.snapshot());
  BOOST_TEST(back->snapshot() == u.snapshot());
  BOOST_TEST(copy.combined().events() == 3u);
}

BOOST_AUTO_TEST_CASE(a_single_part_snapshot_is_a_plain_session_state) {
  apply(u, event_of("U", "u1", "product_view", 0, "/p1"));
  apply(u, event_of("U", "u2", "click", 10 * second));
  auto bytes = u.snapshot();
  // Readable by the previous version (a downgrade, or stores written before merges) ...
  auto legacy = session_state::restore("U", limits, bytes);
  BOOST_REQUIRE_MESSAGE(legacy, (legacy ? "" : legacy.error().reason));
  check_same(legacy->view(*model), u.combined().view(*model));
  // ... and the same bytes a plain session_state would write.
  session_state plain{"U", limits};
  std::vector<change_event> ignored;
  plain.apply(event_of("U", "u1", "product_view", 0, "/p1"), *model, ignored);
  plain.apply(event_of("U", "u2", "click", 10 * second), *model, ignored);
  BOOST_TEST(plain.snapshot() == bytes);
  // And a plain session_state snapshot (written before this version) restores as a profile.
  auto upgraded = profile_state::restore("U", limits, plain.snapshot());
  BOOST_REQUIRE(upgraded);
  BOOST_TEST(upgraded->origins() == std::vector<std::string>{"U"});
  BOOST_TEST(upgraded->combined().events() == 2u);
}

BOOST_AUTO_TEST_CASE(unreadable_snapshot_bytes_are_a_failure_not_a_crash) {
  auto bad = profile_state::restore("U", limits, std::string("\x94\xa5junk!", 7));
  BOOST_TEST(!bad);
  BOOST_TEST(!profile_state::stored_recent("U", limits, std::string("\x94\xa5junk!", 7)));
}

BOOST_AUTO_TEST_CASE(the_recent_events_read_alone_are_those_a_restore_gives) {
  // What a session that let its recent events go reads back, in both snapshot formats.
  auto ids = [](const actors::recent_events& r) {
    std::vector<std::string> out;
    for (const auto& ev : r.decoded())
      out.push_back(ev.message_id);
    return out;
  };
  apply(u, event_of("U", "u1", "product_view", 0, "/p1"));
  apply(u, event_of("U", "u2", "click", 10 * second));
  auto plain = u.snapshot();
  apply(a, event_of("A", "a1", "page_view", 5 * second, "/"));
  u.absorb(a, cause_at(20 * second), *model, changes);
  auto parts = u.snapshot();
  for (const auto& [bytes, expected] :
       {std::pair{plain, std::vector<std::string>{"u1", "u2"}},
        std::pair{parts, std::vector<std::string>{"u1", "a1", "u2"}}}) {
    auto alone = profile_state::stored_recent("U", limits, bytes);
    BOOST_REQUIRE_MESSAGE(alone, (alone ? "" : alone.error().reason));
    auto whole = profile_state::restore("U", limits, bytes);
    BOOST_REQUIRE(whole);
    BOOST_TEST(ids(*alone) == expected);
    BOOST_TEST(ids(*alone) == ids(whole->combined().recent()));
  }
}

BOOST_AUTO_TEST_SUITE_END()
