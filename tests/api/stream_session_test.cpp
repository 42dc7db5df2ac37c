// GET /v1/stream end to end: a real http_server with the stream hook, a real publisher
// in a threaded actor system, and a Beast WebSocket client. Every wait is bounded by a
// socket deadline or a future's timeout; nothing sleeps.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/publisher_actor.hpp"
#include "http/http_router.hpp"
#include "http/http_server.hpp"
#include "api/stream_context.hpp"
#include "api/stream_session.hpp"

using namespace cohort;
using namespace std::chrono_literals;

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

/// A synchronous WebSocket client whose every operation has a deadline: each call runs
/// its own io_context until the one operation completes or the TCP deadline cuts it.
class ws_client {
public:
  /// `receive_buffer` > 0 shrinks the socket's receive buffer (slow-consumer tests).
  explicit ws_client(unsigned short port, int receive_buffer = 0) {
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    if (receive_buffer > 0) {
      tcp_layer.socket().open(tcp::v4());
      tcp_layer.socket().set_option(net::socket_base::receive_buffer_size(receive_buffer));
    }
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    BOOST_REQUIRE(!await([&](auto done) { tcp_layer.async_connect(ep, done); }));
    auto host = "127.0.0.1:" + std::to_string(port);
    auto ec = await([&](auto done) { ws_.async_handshake(host, "/v1/stream", done); });
    BOOST_REQUIRE_MESSAGE(!ec, "handshake: " << ec.message());
  }

  void send(const std::string& text) {
    auto ec = await([&](auto done) { ws_.async_write(net::buffer(text), done); });
    BOOST_REQUIRE_MESSAGE(!ec, "write: " << ec.message());
  }

  /// The next frame, or the error that ended the stream.
  beast::error_code read(std::string& frame) {
    buffer_.clear();
    auto ec = await([&](auto done) { ws_.async_read(buffer_, done); });
    frame = beast::buffers_to_string(buffer_.data());
    return ec;
  }

  std::string read() {
    std::string frame;
    auto ec = read(frame);
    BOOST_REQUIRE_MESSAGE(!ec, "read: " << ec.message());
    return frame;
  }

  /// Sends `op`, expects `ack` back.
  void request(const std::string& op, const std::string& ack) {
    send(op);
    BOOST_TEST(read() == ack);
  }

  void close() {
    auto ec = await([&](auto done) { ws_.async_close(websocket::close_code::normal, done); });
    BOOST_TEST(!ec);
  }

  const websocket::close_reason& reason() const { return ws_.reason(); }

private:
  template <class Start>
  beast::error_code await(Start&& start) {
    beast::get_lowest_layer(ws_).expires_after(10s);
    std::optional<beast::error_code> result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    BOOST_REQUIRE(result);
    return *result;
  }

  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_{ioc_};
  beast::flat_buffer buffer_;
};

actors::change_event segment_change(std::string user, std::string from, std::string to) {
  actors::change_event ev;
  ev.type = actors::change_event::kind::segment_change;
  ev.user_id = std::move(user);
  ev.from = std::move(from);
  ev.to = std::move(to);
  ev.score = 0.5;
  ev.tags = {"a", "b"};
  ev.at_ms = 1714564800123;  // 2024-05-01T12:00:00.123Z
  ev.message_id = "m-" + ev.user_id;
  return ev;
}

struct stream_fixture {
  explicit stream_fixture(api::stream_limits limits = {})
    : publisher(system.spawn(actors::publisher_actor, actors::publisher_limits{})) {
    auto ctx = std::make_shared<api::stream_context>(
      api::stream_context{system, publisher, limits, {}, nullptr, nullptr, {}});
    ctx->on_slow_consumer = [this](std::string_view) {
      std::call_once(slow_reported, [this] { slow_consumer.set_value(); });
    };
    http::http_server_options opts;
    opts.port = 0;
    opts.upgrades = std::make_shared<api::stream_endpoint>(ctx);
    server = std::make_unique<http::http_server>(opts, router);
    auto bound = server->start();
    BOOST_REQUIRE(bound);
    port = *bound;
  }

  // The server goes first: its sessions terminate their subscriber actors.
  ~stream_fixture() {
    server.reset();
    caf::anon_send_exit(publisher, caf::exit_reason::user_shutdown);
  }

  void publish(actors::change_event ev) {
    caf::anon_send(publisher, actors::publish_atom::value, std::move(ev));
  }

  actors::publisher_stats stats() {
    caf::scoped_actor self{system};
    actors::publisher_stats out;
    self->request(publisher, 5s, actors::stats_atom::value)
      .receive([&](const actors::publisher_stats& s) { out = s; },
               [&](caf::error& e) { BOOST_FAIL("stats: " << system.render(e)); });
    return out;
  }

  /// Asks the publisher until it counts `n` subscribers: it learns of a closed
  /// connection through a down message, after the client has seen the close.
  bool wait_for_subscribers(std::uint64_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline)
      if (stats().subscribers == n)
        return true;
    return false;
  }

  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::actor publisher;
  http::http_router router;
  std::promise<void> slow_consumer;
  std::once_flag slow_reported;
  std::unique_ptr<http::http_server> server;
  unsigned short port = 0;
};

const std::string subscribe_alice = R"({"op":"subscribe","userId":"alice"})";
const std::string alice_ack = R"({"type":"ack","op":"subscribe","userId":"alice"})";

} // namespace

BOOST_FIXTURE_TEST_SUITE(stream_session_suite, stream_fixture)

BOOST_AUTO_TEST_CASE(a_user_subscriber_gets_exactly_that_users_changes_as_json) {
  ws_client client{port};
  client.request(subscribe_alice, alice_ack);
  publish(segment_change("bob", "", "new"));
  publish(segment_change("alice", "", "new"));
  BOOST_TEST(client.read()
             == R"({"type":"segment_change","userId":"alice","from":null,"to":"new",)"
                R"("score":0.5,"tags":["a","b"],"at":"2024-05-01T12:00:00.123Z",)"
                R"("cause":{"messageId":"m-alice"}})");
  auto tags = segment_change("alice", "", "new");
  tags.type = actors::change_event::kind::tags_change;
  tags.score = 2;
  tags.tags = {"a", "vip"};
  tags.added = {"vip"};
  tags.removed = {"b"};
  tags.message_id = "m-2";
  publish(tags);
  BOOST_TEST(client.read()
             == R"({"type":"tags_change","userId":"alice","segment":"new","score":2,)"
                R"("tags":["a","vip"],"added":["vip"],"removed":["b"],)"
                R"("at":"2024-05-01T12:00:00.123Z","cause":{"messageId":"m-2"}})");
}

BOOST_AUTO_TEST_CASE(a_segment_subscriber_gets_changes_into_and_out_of_it) {
  ws_client client{port};
  client.request(R"({"op":"subscribe","segment":"vip"})",
                 R"({"type":"ack","op":"subscribe","segment":"vip"})");
  publish(segment_change("alice", "new", "vip"));
  publish(segment_change("bob", "new", "churn"));
  publish(segment_change("alice", "vip", "churn"));
  auto into = client.read();
  BOOST_TEST(into.find(R"("from":"new","to":"vip")") != std::string::npos, into);
  auto out = client.read();
  BOOST_TEST(out.find(R"("from":"vip","to":"churn")") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(unsubscribe_stops_delivery) {
  ws_client client{port};
  client.request(subscribe_alice, alice_ack);
  client.request(R"({"op":"unsubscribe","userId":"alice"})",
                 R"({"type":"ack","op":"unsubscribe","userId":"alice"})");
  client.request(R"({"op":"subscribe","userId":"bob"})",
                 R"({"type":"ack","op":"subscribe","userId":"bob"})");
  publish(segment_change("alice", "", "new"));
  publish(segment_change("bob", "", "new"));
  auto frame = client.read();
  BOOST_TEST(frame.find(R"("userId":"bob")") != std::string::npos, frame);
}

BOOST_AUTO_TEST_CASE(bad_frames_get_an_error_and_keep_the_connection) {
  ws_client client{port};
  client.send("{not json");
  BOOST_TEST(client.read().rfind(R"({"type":"error","reason":"malformed JSON)", 0) == 0);
  client.send(R"({"op":"publish","userId":"alice"})");
  BOOST_TEST(client.read() == R"({"type":"error","reason":"unknown op: publish"})");
  client.send(R"({"op":"subscribe"})");
  BOOST_TEST(client.read() == R"({"type":"error","reason":"op needs userId or segment"})");
  client.send(R"({"op":"subscribe","userId":"a","segment":"b"})");
  BOOST_TEST(client.read()
             == R"({"type":"error","reason":"op takes userId or segment, not both"})");
  client.request(subscribe_alice, alice_ack);
  publish(segment_change("alice", "", "new"));
  BOOST_TEST(client.read().find(R"("userId":"alice")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_closed_connection_is_forgotten_by_the_publisher) {
  {
    ws_client client{port};
    client.request(subscribe_alice, alice_ack);
    BOOST_TEST(stats().subscribers == 1u);
    client.close();
  }
  BOOST_TEST(wait_for_subscribers(0));
}

BOOST_AUTO_TEST_CASE(stopping_the_server_ends_live_sessions) {
  ws_client client{port};
  client.request(subscribe_alice, alice_ack);
  publish(segment_change("alice", "", "new"));  // possibly in flight during the stop
  server.reset();
  BOOST_TEST(wait_for_subscribers(0));
  std::string frame;
  beast::error_code ec;
  while (!(ec = client.read(frame)))
    BOOST_TEST(frame.find(R"("userId":"alice")") != std::string::npos);
  BOOST_TEST((ec != beast::error::timeout), ec.message());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

api::stream_limits small_queue() {
  api::stream_limits limits;
  limits.max_queued_frames = 64;
  limits.max_queued_bytes = 64 * 1024;
  limits.close_grace = 10s;
  return limits;
}

struct slow_fixture : stream_fixture {
  slow_fixture() : stream_fixture(small_queue()) {
  }
};

/// About 1 KB of JSON per event, so that socket buffers fill after a few thousand.
actors::change_event bulky_change(int i) {
  auto ev = segment_change("user-" + std::to_string(i), "", "vip");
  ev.tags.assign(24, std::string(36, 't'));
  return ev;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(slow_consumer_suite, slow_fixture)

BOOST_AUTO_TEST_CASE(a_client_that_does_not_read_is_closed_and_the_server_stays_up) {
  const std::string subscribe_vip = R"({"op":"subscribe","segment":"vip"})";
  const std::string vip_ack = R"({"type":"ack","op":"subscribe","segment":"vip"})";
  ws_client slow{port, 4096};
  slow.request(subscribe_vip, vip_ack);
  ws_client healthy{port};
  healthy.request(subscribe_vip, vip_ack);
  // Rounds smaller than the queue, paced by a client that reads everything: it never
  // falls behind, while the slow client's socket buffers fill, its write stalls and its
  // queue overflows. The kernel's buffer sizes decide how many rounds that takes.
  constexpr int round = 32;
  auto dropped = slow_consumer.get_future();
  int published = 0;
  bool closed = false;
  while (!closed && published < 100000) {
    for (int i = 0; i < round; ++i)
      publish(bulky_change(published++));
    for (int i = 0; i < round; ++i)
      healthy.read();
    closed = dropped.wait_for(0s) == std::future_status::ready;
  }
  BOOST_REQUIRE_MESSAGE(closed, "no slow-consumer close after " << published << " events");

  // Draining delivers what the kernel held and the write in flight, then the close
  // frame with its reason.
  int drained = 0;
  std::string frame;
  beast::error_code ec;
  while (!(ec = slow.read(frame)))
    ++drained;
  BOOST_TEST((ec == websocket::error::closed), ec.message());
  BOOST_TEST(slow.reason().code == 1008);  // policy violation
  BOOST_TEST(std::string(slow.reason().reason) == "slow consumer: send queue full");
  BOOST_TEST_MESSAGE("dropped after " << published << " events published, " << drained
                                       << " frames drained");
  BOOST_TEST(drained > 0);
  BOOST_TEST(drained < published);
  BOOST_TEST(wait_for_subscribers(1));

  publish(bulky_change(published++));
  BOOST_TEST(healthy.read().find(R"("userId":"user-)") != std::string::npos);
  ws_client next{port};
  next.request(subscribe_alice, alice_ack);
  publish(segment_change("alice", "", "new"));
  BOOST_TEST(next.read().find(R"("userId":"alice")") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
