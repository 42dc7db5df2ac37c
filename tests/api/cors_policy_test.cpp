// api/cors_policy: who may send events from a browser, and which requests count as
// coming from a page of another origin (refused by the admin API and inspection).
#include <boost/test/unit_test.hpp>

#include "api/cors_policy.hpp"

using namespace cohort::api;
using cohort::http::http_request;
using cohort::http::http_response;

namespace {

cohort::config::cors_config shop_only() {
  cohort::config::cors_config cfg;
  cfg.origins = {};
  cfg.keys = {{"web-key", {"https://shop.example.com"}}, {"open-key", {"*"}}};
  return cfg;
}

std::string header(const http_response& res, const std::string& name) {
  for (const auto& [k, v] : res.headers)
    if (k == name)
      return v;
  return "";
}

http_request preflight_from(std::string origin) {
  http_request req;
  req.method = "OPTIONS";
  req.path = "/v1/t";
  req.headers = {{"origin", std::move(origin)},
                 {"access-control-request-method", "POST"},
                 {"access-control-request-headers", "content-type,authorization"}};
  return req;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cors_policy_rules)

BOOST_AUTO_TEST_CASE(the_default_lets_every_page_send) {
  cors_policy open{cohort::config::cors_config{}};
  BOOST_TEST(open.allows("https://anyone.example", "any-key"));
  BOOST_TEST(open.allows("null", ""));
}

BOOST_AUTO_TEST_CASE(a_key_with_its_own_origins_is_bound_to_them) {
  cors_policy policy{shop_only()};
  BOOST_TEST(policy.allows("https://shop.example.com", "web-key"));
  BOOST_TEST(policy.allows("https://SHOP.example.com", "web-key"));  // browsers send lower case
  BOOST_TEST(!policy.allows("https://shop.example.com.evil.test", "web-key"));
  BOOST_TEST(!policy.allows("http://shop.example.com", "web-key"));  // another scheme
  BOOST_TEST(policy.allows("https://elsewhere.example", "open-key"));
  BOOST_TEST(!policy.allows("https://shop.example.com", "unlisted-key"));  // origins: []
}

BOOST_AUTO_TEST_CASE(a_preflight_passes_when_some_key_takes_the_origin) {
  cors_policy policy{shop_only()};
  auto ok = policy.preflight(preflight_from("https://evil.example"));  // open-key takes "*"
  BOOST_TEST(ok.status == 204u);
  BOOST_TEST(header(ok, "Access-Control-Allow-Origin") == "https://evil.example");
  BOOST_TEST(header(ok, "Access-Control-Allow-Headers") == "content-type,authorization");
  BOOST_TEST(header(ok, "Access-Control-Allow-Methods") == "POST, OPTIONS");
  BOOST_TEST(header(ok, "Vary") == "Origin");

  cohort::config::cors_config closed;
  closed.origins = {};
  closed.keys = {{"web-key", {"https://shop.example.com"}}};
  cors_policy strict{closed};
  BOOST_TEST(strict.preflight(preflight_from("https://shop.example.com")).status == 204u);
  auto refused = strict.preflight(preflight_from("https://evil.example"));
  BOOST_TEST(refused.status == 403u);
  BOOST_TEST(header(refused, "Access-Control-Allow-Origin").empty());
}

BOOST_AUTO_TEST_CASE(answers_are_exposed_to_allowed_pages_only) {
  cors_policy policy{shop_only()};
  http_response allowed;
  policy.expose("https://shop.example.com", "web-key", allowed);
  BOOST_TEST(header(allowed, "Access-Control-Allow-Origin") == "https://shop.example.com");
  BOOST_TEST(header(allowed, "Access-Control-Allow-Credentials") == "true");
  http_response refused;
  policy.expose("https://evil.example", "web-key", refused);
  BOOST_TEST(refused.headers.empty());
  http_response server_side;
  policy.expose("", "web-key", server_side);
  BOOST_TEST(server_side.headers.empty());
}

BOOST_AUTO_TEST_CASE(cross_origin_means_an_origin_naming_another_host) {
  BOOST_TEST(!is_cross_origin("", "127.0.0.1:8080"));  // not from a page
  BOOST_TEST(!is_cross_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
  BOOST_TEST(!is_cross_origin("https://Console.Example", "console.example"));
  BOOST_TEST(is_cross_origin("http://127.0.0.1:9000", "127.0.0.1:8080"));
  BOOST_TEST(is_cross_origin("http://evil.example", "127.0.0.1:8080"));
  BOOST_TEST(is_cross_origin("null", "127.0.0.1:8080"));
}

BOOST_AUTO_TEST_SUITE_END()
