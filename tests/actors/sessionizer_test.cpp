#include <boost/test/unit_test.hpp>

#include "actors/sessionizer.hpp"

using namespace cohort;
using actors::sessionizer;

namespace {

constexpr std::int64_t minute = 60 * 1000;

struct sessionizer_fixture {
  sessionizer s{30 * minute, 10 * minute};

  sessionizer::placement at(std::int64_t t, const char* type = "page_view",
                            const char* path = "/") {
    codecs::event ev;
    ev.type = type;
    ev.timestamp_ms = t;
    ev.properties.push_back({"path", codecs::value::of_string(path)});
    return s.add(ev, actors::facts_of(ev));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(sessionizer_suite, sessionizer_fixture)

BOOST_AUTO_TEST_CASE(the_first_event_opens_a_session) {
  BOOST_TEST((at(0) == sessionizer::placement::placed));
  BOOST_TEST(s.sessions() == 1u);
  BOOST_TEST(s.current().events == 1u);
}

BOOST_AUTO_TEST_CASE(events_closer_than_the_gap_share_a_session) {
  at(0);
  at(29 * minute);
  BOOST_TEST(s.sessions() == 1u);
  BOOST_TEST(s.current().duration_s() == 29 * 60.0);
}

BOOST_AUTO_TEST_CASE(a_gap_of_exactly_the_gap_length_starts_a_new_session) {
  at(0);
  at(30 * minute);
  BOOST_TEST(s.sessions() == 2u);
  BOOST_TEST(s.current().start_ms == 30 * minute);
}

BOOST_AUTO_TEST_CASE(an_out_of_order_event_within_lateness_lands_in_its_session) {
  at(0);
  at(40 * minute);          // second session
  at(45 * minute);
  at(38 * minute);          // late by 7 min, belongs to the second session
  BOOST_TEST(s.sessions() == 2u);
  BOOST_TEST(s.current().start_ms == 38 * minute);
  BOOST_TEST(s.current().events == 3u);
}

BOOST_AUTO_TEST_CASE(a_late_event_can_merge_two_sessions) {
  at(0);
  at(35 * minute);  // 35 min gap: two sessions
  BOOST_REQUIRE(s.sessions() == 2u);
  at(28 * minute);  // 7 min late, within 30 min of both: bridges them
  BOOST_TEST(s.sessions() == 1u);
  BOOST_TEST(s.current().events == 3u);
  BOOST_TEST(s.current().start_ms == 0);
}

BOOST_AUTO_TEST_CASE(an_event_older_than_allowed_lateness_is_refused) {
  at(60 * minute);
  BOOST_TEST((at(49 * minute) == sessionizer::placement::late));
  BOOST_TEST((at(50 * minute) == sessionizer::placement::placed));  // exactly at the bound
  BOOST_TEST(s.current().events == 2u);
}

BOOST_AUTO_TEST_CASE(old_sessions_are_folded_but_still_counted) {
  for (int i = 0; i < 10; ++i)
    at(i * 60 * minute);  // ten sessions an hour apart
  BOOST_TEST(s.sessions() == 10u);
  BOOST_TEST(s.open_sessions().size() <= 2u);
  BOOST_TEST(s.bounces() == 10u);  // each had one page view
}

BOOST_AUTO_TEST_CASE(session_frequency_counts_the_last_seven_days_per_day) {
  constexpr std::int64_t day = 24 * 60 * minute;
  at(0);                // 10 days before the last: outside the horizon
  at(8 * day);
  at(9 * day);
  at(10 * day);
  BOOST_TEST(s.sessions() == 4u);
  BOOST_TEST(s.session_frequency() == 3.0 / 7.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_SUITE_END()
