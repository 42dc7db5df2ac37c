#include <boost/test/unit_test.hpp>

#include <numeric>

#include "actors/session_state.hpp"
#include "model_fixture.hpp"

using namespace cohort;
using actors::change_event;
using actors::session_state;

namespace {

constexpr std::int64_t second = 1000;
constexpr std::int64_t minute = 60 * second;

codecs::event make_event(std::string id, std::string type, std::int64_t ts,
                         const char* path = nullptr) {
  codecs::event ev;
  ev.message_id = std::move(id);
  ev.user_id = "u1";
  ev.type = std::move(type);
  ev.timestamp_ms = ts;
  ev.received_ms = ts;
  if (path != nullptr)
    ev.properties.push_back({"path", codecs::value::of_string(path)});
  return ev;
}

struct state_fixture {
  std::shared_ptr<const actors::engine_model> model = test::spec_model();
  session_state s{"u1", actors::session_limits{}};
  std::vector<change_event> changes;

  session_state::outcome apply(codecs::event ev) { return s.apply(ev, *model, changes); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(session_state_suite, state_fixture)

BOOST_AUTO_TEST_CASE(events_are_counted_by_type) {
  apply(make_event("1", "page_view", 100));
  apply(make_event("2", "product_view", 200));
  apply(make_event("3", "product_view", 300));
  auto p = s.view(*model);
  BOOST_TEST(p.events == 3u);
  BOOST_TEST(p.event_counts.at("product_view") == 2u);
  BOOST_TEST(p.first_seen_ms == 100);
  BOOST_TEST(p.last_seen_ms == 300);
}

BOOST_AUTO_TEST_CASE(a_retried_message_is_applied_once) {
  BOOST_TEST((apply(make_event("m", "click", 100)) == session_state::outcome::applied));
  BOOST_TEST((apply(make_event("m", "click", 150)) == session_state::outcome::duplicate));
  auto p = s.view(*model);
  BOOST_TEST(p.events == 1u);
  BOOST_TEST(p.duplicates == 1u);
}

BOOST_AUTO_TEST_CASE(a_late_event_changes_nothing_and_is_not_remembered_as_seen) {
  apply(make_event("1", "page_view", 60 * minute));
  BOOST_TEST((apply(make_event("old", "page_view", 0)) == session_state::outcome::late));
  auto p = s.view(*model);
  BOOST_TEST(p.events == 1u);
  BOOST_TEST(p.late == 1u);
}

BOOST_AUTO_TEST_CASE(the_first_event_puts_the_user_into_a_segment) {
  apply(make_event("1", "page_view", 0, "/"));
  BOOST_REQUIRE(changes.size() == 1u);
  BOOST_TEST((changes[0].type == change_event::kind::segment_change));
  BOOST_TEST(changes[0].from == "");
  BOOST_TEST(changes[0].to == "Bounce Risk");  // one session, one view: bounce rate 1
  BOOST_TEST(changes[0].message_id == "1");
}

BOOST_AUTO_TEST_CASE(a_second_page_view_moves_a_bounce_risk_to_standard) {
  apply(make_event("1", "page_view", 0, "/"));
  changes.clear();
  apply(make_event("2", "page_view", 10 * second, "/b"));
  BOOST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(changes[0].from == "Bounce Risk");
  BOOST_TEST(changes[0].to == "Standard");
  apply(make_event("3", "page_view", 20 * second, "/c"));
  BOOST_TEST(changes.size() == 1u);  // no change, nothing new published
}

BOOST_AUTO_TEST_CASE(crossing_the_high_consideration_rule_adds_the_tag) {
  apply(make_event("1", "product_view", 0, "/p1"));
  apply(make_event("2", "product_view", 10 * second, "/p2"));
  apply(make_event("3", "wishlist_add", 20 * second));
  changes.clear();
  apply(make_event("4", "product_view", 30 * second, "/p3"));
  BOOST_REQUIRE(!changes.empty());
  const auto& tags = changes.back();
  BOOST_TEST((tags.type == change_event::kind::tags_change));
  BOOST_TEST(tags.added == std::vector<std::string>{"High Consideration"});
  BOOST_TEST(s.tags() == std::vector<std::string>{"High Consideration"});
}

BOOST_AUTO_TEST_CASE(the_windowed_count_forgets_views_older_than_five_minutes) {
  apply(make_event("1", "product_view", 0, "/p1"));
  apply(make_event("2", "product_view", 10 * second, "/p2"));
  apply(make_event("3", "wishlist_add", 20 * second));
  apply(make_event("4", "product_view", 30 * second, "/p3"));
  BOOST_REQUIRE(s.tags().size() == 1u);
  apply(make_event("5", "page_view", 6 * minute, "/home"));  // the 3 views are > 5m old now
  BOOST_TEST(s.tags().empty());
}

BOOST_AUTO_TEST_CASE(high_intent_needs_score_and_depth) {
  for (int i = 0; i < 3; ++i) {
    auto ev = make_event(std::to_string(i), "product_view", i * 70 * second,
                         ("/p" + std::to_string(i)).c_str());
    apply(ev);
  }
  apply(make_event("c", "add_to_cart", 211 * second));
  for (int i = 0; i < 3; ++i)
    apply(make_event("w" + std::to_string(i), "wishlist_add", 212 * second + i));
  // time_on_page 70 s (cap 60) + cart 1 + wishlist 3 = 90 without mobile
  BOOST_TEST(s.score() == 90.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(s.segment() == "High Intent");
}

BOOST_AUTO_TEST_CASE(the_profile_breakdown_sums_to_the_score) {
  apply(make_event("1", "product_view", 0, "/a"));
  apply(make_event("2", "product_view", 20 * second, "/b"));
  apply(make_event("3", "add_to_cart", 25 * second));
  auto p = s.view(*model);
  double sum = std::accumulate(p.breakdown.begin(), p.breakdown.end(), 0.0,
                               [](double acc, const auto& t) { return acc + t.contribution; });
  BOOST_TEST(p.score > 0.0);
  BOOST_TEST(sum == p.score, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(profile_features_follow_the_current_session) {
  apply(make_event("1", "page_view", 0, "/a"));
  apply(make_event("2", "page_view", 10 * second, "/b"));
  apply(make_event("3", "page_view", 2 * 60 * minute, "/c"));  // new session
  auto p = s.view(*model);
  auto feature = [&](const std::string& name) {
    for (const auto& [n, v] : p.features)
      if (n == name)
        return v;
    BOOST_FAIL("no feature " << name);
    return 0.0;
  };
  BOOST_TEST(feature("sessions") == 2.0);
  BOOST_TEST(feature("page_depth") == 1.0);
  BOOST_TEST(feature("bounce_rate") == 0.5);
  BOOST_TEST(feature("drop_off_rate") == 0.5);
  BOOST_TEST(p.session.started_ms == 2 * 60 * minute);
}

// Regression (found by clang's -Wreturn-stack-address while building the fuzzers): rules
// read string features through a string_view that pointed into a temporary copy of the
// feature, destroyed before the comparison. A source longer than the small-string buffer
// makes that a heap use-after-free under ASan; the tags must also come out right.
BOOST_AUTO_TEST_CASE(text_rules_read_the_live_feature_not_a_temporary_copy) {
  auto text_model = test::make_model({{"Long Source", R"(source == "spring-newsletter-campaign-2024")"},
                                      {"Mobile", R"(device == "mobile")"}},
                                     {{"Standard", "true"}});
  auto ev = make_event("1", "page_view", 0, "/");
  ev.context.push_back({"campaign.source", codecs::value::of_string("spring-newsletter-campaign-2024")});
  ev.context.push_back({"device.type", codecs::value::of_string("ios")});
  s.apply(ev, *text_model, changes);
  BOOST_TEST(s.tags() == (std::vector<std::string>{"Long Source", "Mobile"}));
}

BOOST_AUTO_TEST_SUITE_END()
