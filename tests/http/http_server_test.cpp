// http_server with a real socket and the project's own blocking client.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "codecs/json_body.hpp"
#include "http/http_client.hpp"
#include "http/http_router.hpp"
#include "http/http_server.hpp"

using namespace cohort;

namespace {

// A server whose POST /echo remembers the body it was handed.
struct server_fixture {
  server_fixture() {
    router.add("POST", "/echo", [this](http::http_request&& req, http::respond_fn respond) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        body_size = req.body.size();
        body_room = req.body.capacity() - req.body.size();
      }
      respond(http::http_response{200, "text/plain", req.body, {}});
    });
    http::http_server_options opts;
    opts.port = 0;
    server = std::make_unique<http::http_server>(opts, router);
    auto bound = server->start();
    BOOST_TEST_REQUIRE(bool(bound));
    auto connected = http::http_client::connect("http://127.0.0.1:" + std::to_string(*bound),
                                                std::chrono::seconds(5));
    BOOST_TEST_REQUIRE(bool(connected));
    client = std::move(*connected);
  }

  std::mutex mutex;
  std::size_t body_size = 0;
  std::size_t body_room = 0;
  http::http_router router;
  std::unique_ptr<http::http_server> server;
  std::unique_ptr<http::http_client> client;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_server_suite, server_fixture)

// The decoders parse a body in place when simdjson's padding fits after it; otherwise they
// copy the whole body first. The room must survive the hand-over from Beast's parser.
BOOST_AUTO_TEST_CASE(a_body_reaches_its_handler_with_room_to_parse_it_in_place) {
  for (std::size_t size : {1u, 100u, 4096u, 40000u}) {
    const std::string body(size, 'x');
    auto res = client->request("POST", "/echo", body, {{"Content-Type", "application/json"}});
    BOOST_TEST_REQUIRE(bool(res));
    BOOST_TEST(res->status == 200u);
    BOOST_TEST(res->body == body);
    std::lock_guard<std::mutex> lock(mutex);
    BOOST_TEST(body_size == size);
    BOOST_TEST(body_room >= codecs::json_body_padding);
  }
}

BOOST_AUTO_TEST_SUITE_END()
