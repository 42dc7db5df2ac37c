#include <boost/test/unit_test.hpp>

#include "codecs/event.hpp"
#include "codecs/event_types.hpp"

using namespace cohort::codecs;

BOOST_AUTO_TEST_SUITE(event_suite)

BOOST_AUTO_TEST_CASE(msgpack_round_trip_keeps_every_field) {
  event ev;
  ev.message_id = "m-1";
  ev.user_id = "u-1";
  ev.anonymous_id = "a-1";
  ev.call = "track";
  ev.type = "add_to_cart";
  ev.name = "Product Added";
  ev.previous_id = "p-0";
  ev.session_id = "s-9";
  ev.timestamp_ms = 1714564800123;
  ev.received_ms = -5;
  ev.properties = {{"price", value::of_number(9.99)}, {"products.0.id", value::of_string("sku")}};
  ev.traits = {{"vip", value::of_bool(true)}, {"nothing", value{}}};
  ev.context = {{"device.type", value::of_string("ios")}};

  msgpack::sbuffer buf;
  msgpack::pack(buf, ev);
  auto handle = msgpack::unpack(buf.data(), buf.size());
  const auto back = handle.get().as<event>();

  BOOST_TEST(back.message_id == "m-1");
  BOOST_TEST(back.user_id == "u-1");
  BOOST_TEST(back.anonymous_id == "a-1");
  BOOST_TEST(back.call == "track");
  BOOST_TEST(back.type == "add_to_cart");
  BOOST_TEST(back.name == "Product Added");
  BOOST_TEST(back.previous_id == "p-0");
  BOOST_TEST(back.session_id == "s-9");
  BOOST_TEST(back.timestamp_ms == 1714564800123);
  BOOST_TEST(back.received_ms == -5);
  BOOST_TEST((back.properties == ev.properties));
  BOOST_TEST((back.traits == ev.traits));
  BOOST_TEST((back.context == ev.context));
  BOOST_TEST((back.traits[1].val.type == value::kind::null));
}

BOOST_AUTO_TEST_CASE(user_key_prefers_user_id) {
  event ev;
  ev.anonymous_id = "anon";
  BOOST_TEST(ev.user_key() == "anon");
  ev.user_id = "user";
  BOOST_TEST(ev.user_key() == "user");
}

BOOST_AUTO_TEST_CASE(find_returns_the_matching_attribute) {
  attributes attrs{{"a", value::of_number(1)}, {"b", value::of_string("x")}};
  BOOST_REQUIRE(find(attrs, "b"));
  BOOST_TEST(find(attrs, "b")->text == "x");
  BOOST_TEST(find(attrs, "c") == nullptr);
}

BOOST_AUTO_TEST_CASE(event_types_defaults_and_aliases) {
  event_types t;
  BOOST_TEST(t.canonical("Product Viewed") == "product_view");
  BOOST_TEST(t.canonical("Product Added") == "add_to_cart");
  BOOST_TEST(t.canonical("Product Removed") == "remove_from_cart");
  BOOST_TEST(t.canonical("Product Added to Wishlist") == "wishlist_add");
  BOOST_TEST(t.canonical("Checkout Started") == "checkout");
  BOOST_TEST(t.canonical("Order Completed") == "purchase");
  BOOST_TEST(t.canonical("Products Searched") == "search");
  BOOST_TEST(t.canonical("click") == "click");
  BOOST_TEST(t.canonical("Video Played") == "Video Played");
  BOOST_TEST(t.canonical("") == "");
  t.add_alias("tap", "click");
  t.add_alias("Product Viewed", "view");  // config overrides a default
  BOOST_TEST(t.canonical("tap") == "click");
  BOOST_TEST(t.canonical("Product Viewed") == "view");
  const auto& types = event_types::canonical_types();
  BOOST_TEST(types.size() == 11u);
  BOOST_TEST(types.front() == "page_view");
  BOOST_TEST(types.back() == "search");
}

BOOST_AUTO_TEST_SUITE_END()
