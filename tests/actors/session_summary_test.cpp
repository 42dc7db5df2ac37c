#include <boost/test/unit_test.hpp>

#include <random>

#include "actors/session_summary.hpp"

using namespace cohort;
using actors::session_summary;

namespace {

codecs::event make(const char* type, std::int64_t t_ms) {
  codecs::event ev;
  ev.type = type;
  ev.timestamp_ms = t_ms;
  return ev;
}

codecs::event with(codecs::event ev, const char* key, codecs::value v) {
  ev.properties.push_back({key, std::move(v)});
  return ev;
}

session_summary summary_of(const std::vector<codecs::event>& events) {
  auto s = session_summary::of(events.front(), actors::facts_of(events.front()));
  for (std::size_t i = 1; i < events.size(); ++i)
    s.merge(session_summary::of(events[i], actors::facts_of(events[i])));
  return s;
}

using codecs::value;

} // namespace

BOOST_AUTO_TEST_SUITE(session_summary_suite)

BOOST_AUTO_TEST_CASE(page_depth_counts_distinct_paths) {
  auto s = summary_of({with(make("page_view", 0), "path", value::of_string("/a")),
                       with(make("page_view", 1000), "path", value::of_string("/b")),
                       with(make("page_view", 2000), "path", value::of_string("/a"))});
  BOOST_TEST(s.page_depth() == 2.0);
  BOOST_TEST(s.views == 3u);
}

BOOST_AUTO_TEST_CASE(time_on_page_is_the_mean_gap_between_views) {
  auto s = summary_of({make("page_view", 0), make("click", 5000), make("product_view", 10000),
                       make("page_view", 40000)});
  BOOST_TEST(s.time_on_page_s() == 20.0);  // gaps 10 s and 30 s
}

BOOST_AUTO_TEST_CASE(time_on_page_prefers_sent_durations) {
  auto s = summary_of({with(make("page_view", 0), "duration", value::of_number(12)),
                       with(make("page_view", 1000), "duration", value::of_number(30))});
  BOOST_TEST(s.time_on_page_s() == 21.0);
}

BOOST_AUTO_TEST_CASE(a_single_view_has_no_time_on_page) {
  BOOST_TEST(summary_of({make("page_view", 0)}).time_on_page_s() == 0.0);
}

BOOST_AUTO_TEST_CASE(click_density_is_clicks_per_minute_with_a_one_minute_floor) {
  auto busy = summary_of({make("click", 0), make("click", 60000), make("click", 120000),
                          make("click", 180000)});
  BOOST_TEST(busy.click_density() == 4.0 / 3.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(summary_of({make("click", 0)}).click_density() == 1.0);
}

BOOST_AUTO_TEST_CASE(conversion_rate_is_cart_adds_over_product_views) {
  auto s = summary_of({make("product_view", 0), make("product_view", 1), make("add_to_cart", 2),
                       make("product_view", 3), make("product_view", 4)});
  BOOST_TEST(s.conversion_rate() == 0.25);
  BOOST_TEST(summary_of({make("add_to_cart", 0)}).conversion_rate() == 0.0);
}

BOOST_AUTO_TEST_CASE(scroll_depth_is_the_maximum_sent) {
  auto s = summary_of({with(make("scroll", 0), "scroll_depth", value::of_number(40)),
                       with(make("scroll", 1), "scroll_depth", value::of_number(85)),
                       with(make("scroll", 2), "scroll_depth", value::of_number(60))});
  BOOST_TEST(s.max_scroll == 85.0);
}

BOOST_AUTO_TEST_CASE(merging_two_sessions_equals_one_built_from_all_events) {
  std::vector<codecs::event> all{
    with(make("page_view", 0), "path", value::of_string("/a")), make("click", 1000),
    with(make("product_view", 5000), "path", value::of_string("/p")),
    make("add_to_cart", 6000), with(make("page_view", 9000), "path", value::of_string("/b"))};
  auto whole = summary_of(all);
  auto left = summary_of({all[0], all[1]});
  left.merge(summary_of({all[2], all[3], all[4]}));
  BOOST_TEST(left.page_depth() == whole.page_depth());
  BOOST_TEST(left.time_on_page_s() == whole.time_on_page_s());
  BOOST_TEST(left.conversion_rate() == whole.conversion_rate());
  BOOST_TEST(left.events == whole.events);
  BOOST_TEST(left.duration_s() == whole.duration_s());
}

BOOST_AUTO_TEST_CASE(device_comes_from_the_user_agent_or_device_type) {
  codecs::event phone = make("page_view", 0);
  phone.context.push_back({"userAgent", value::of_string("Mozilla/5.0 (iPhone; ...) Mobile/15E148")});
  BOOST_TEST(actors::facts_of(phone).device == "mobile");
  codecs::event ios = make("page_view", 0);
  ios.context.push_back({"device.type", value::of_string("ios")});
  BOOST_TEST(actors::facts_of(ios).device == "mobile");
  codecs::event desk = make("page_view", 0);
  desk.context.push_back({"userAgent", value::of_string("Mozilla/5.0 (X11; Linux x86_64)")});
  BOOST_TEST(actors::facts_of(desk).device == "desktop");
}

BOOST_AUTO_TEST_CASE(source_comes_from_campaign_or_referrer) {
  codecs::event utm = make("page_view", 0);
  utm.context.push_back({"campaign.source", value::of_string("Newsletter")});
  BOOST_TEST(actors::facts_of(utm).source == "newsletter");
  codecs::event ref = make("page_view", 0);
  ref.context.push_back({"page.referrer", value::of_string("https://www.google.com/search?q=x")});
  BOOST_TEST(actors::facts_of(ref).source == "google.com");
}

BOOST_AUTO_TEST_CASE(source_falls_back_to_the_properties_utm_source_then_referrer) {
  codecs::event utm = make("page_view", 0);
  utm.properties.push_back({"utm_source", value::of_string("Partner")});
  BOOST_TEST(actors::facts_of(utm).source == "partner");
  codecs::event ref = make("page_view", 0);
  ref.properties.push_back({"referrer", value::of_string("http://News.example.org:8080/a")});
  BOOST_TEST(actors::facts_of(ref).source == "news.example.org");
  BOOST_TEST(actors::facts_of(make("page_view", 0)).source == "");
}

BOOST_AUTO_TEST_CASE(device_type_is_read_whatever_its_case) {
  codecs::event pad = make("page_view", 0);
  pad.context.push_back({"device.type", value::of_string("iPad")});
  BOOST_TEST(actors::facts_of(pad).device == "tablet");
  codecs::event web = make("page_view", 0);
  web.context.push_back({"device.type", value::of_string("WEB")});
  BOOST_TEST(actors::facts_of(web).device == "desktop");
}

// One page is one path, wherever the event carries it; a numeric product id names the same
// product as its text.
BOOST_AUTO_TEST_CASE(a_view_path_comes_from_path_page_context_url_or_product_id) {
  auto hash = [](codecs::event ev) { return actors::facts_of(ev).path_hash; };
  const auto a = hash(with(make("page_view", 0), "path", value::of_string("/a")));
  codecs::event in_context = make("page_view", 0);
  in_context.context.push_back({"page.path", value::of_string("/a")});
  BOOST_TEST(hash(in_context) == a);
  BOOST_TEST(hash(with(make("page_view", 0), "url", value::of_string("/a"))) == a);
  BOOST_TEST(hash(with(make("page_view", 0), "path", value::of_string("/b"))) != a);
  const auto p42 = hash(with(make("product_view", 0), "product_id", value::of_number(42)));
  BOOST_TEST(hash(with(make("product_view", 0), "product_id", value::of_string("42"))) == p42);
  BOOST_TEST(hash(with(make("product_view", 0), "product_id", value::of_string("43"))) != p42);
  BOOST_TEST(hash(make("page_view", 0)) != 0u);
  BOOST_TEST(hash(make("click", 0)) == 0u);
}

// sessionizer extends a session in place with add(); a session built so must be the one
// merging one-event sessions builds, field for field, whatever the events' order and shape.
BOOST_AUTO_TEST_CASE(adding_an_event_in_place_equals_merging_its_one_event_session) {
  std::mt19937 rng(18);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* types[] = {"page_view", "product_view", "click", "add_to_cart", "purchase",
                         "wishlist_add", "search"};
  const char* devices[] = {"ios", "desktop", "tablet"};
  const char* sources[] = {"newsletter", "ads", "partner"};
  auto random_event = [&] {
    auto ev = make(types[pick(7)], 1000 * pick(600));  // out of order, repeated times
    if (pick(2) == 0)
      ev.properties.push_back({"path", value::of_string("/p" + std::to_string(pick(40)))});
    if (pick(3) == 0)
      ev.properties.push_back({"duration", value::of_number(pick(90))});
    if (pick(3) == 0)
      ev.properties.push_back({"scroll_depth", value::of_number(pick(200) - 50)});  // < 0 too
    if (pick(3) == 0)
      ev.context.push_back({"device.type", value::of_string(devices[pick(3)])});
    if (pick(3) == 0)
      ev.context.push_back({"campaign.source", value::of_string(sources[pick(3)])});
    return ev;
  };
  auto packed = [](const session_summary& s) {
    msgpack::sbuffer out;
    msgpack::pack(out, s);
    return std::string(out.data(), out.size());
  };
  for (int round = 0; round < 200; ++round) {
    auto first = random_event();
    auto merged = session_summary::of(first, actors::facts_of(first));
    auto added = merged;
    for (int i = 0, n = 1 + pick(30); i < n; ++i) {
      auto ev = random_event();
      auto facts = actors::facts_of(ev);
      merged.merge(session_summary::of(ev, facts));
      added.add(ev, facts);
      BOOST_REQUIRE(packed(added) == packed(merged));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
