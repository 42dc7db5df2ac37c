// http_server with a real socket and the project's own blocking client.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "codecs/json_body.hpp"
#include "http/http_client.hpp"
#include "http/http_router.hpp"
#include "http/http_server.hpp"

using namespace cohort;

namespace {

// A server (two threads, the default) whose POST /echo remembers the body it was handed
// and whose GET /thread answers with the id of the thread its handler ran on.
struct server_fixture {
  server_fixture() {
    router.add("GET", "/thread", [](http::http_request&&, http::respond_fn respond) {
      std::ostringstream id;
      id << std::this_thread::get_id();
      respond(http::http_response{200, "text/plain", id.str(), {}});
    });
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
    base = "http://127.0.0.1:" + std::to_string(*bound);
    client = connect();
  }

  std::unique_ptr<http::http_client> connect() {
    auto connected = http::http_client::connect(base, std::chrono::seconds(5));
    BOOST_TEST_REQUIRE(bool(connected));
    return std::move(*connected);
  }

  std::mutex mutex;
  std::size_t body_size = 0;
  std::size_t body_room = 0;
  http::http_router router;
  std::unique_ptr<http::http_server> server;
  std::string base;
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

// Each server thread runs its own connections: a kept-alive connection's requests are
// all handled on one thread (no hand-over between threads per request), and the
// connections are spread over both threads.
BOOST_AUTO_TEST_CASE(a_connection_stays_on_one_thread_and_connections_use_both) {
  std::vector<std::unique_ptr<http::http_client>> clients;
  for (int i = 0; i < 4; ++i)
    clients.push_back(connect());
  std::set<std::string> all;
  for (auto& c : clients) {
    std::set<std::string> mine;
    for (int i = 0; i < 5; ++i) {
      auto res = c->request("GET", "/thread", "", {});
      BOOST_TEST_REQUIRE(bool(res));
      BOOST_TEST_REQUIRE(res->status == 200u);
      mine.insert(res->body);
    }
    BOOST_TEST(mine.size() == 1u);
    all.insert(mine.begin(), mine.end());
  }
  BOOST_TEST(all.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
