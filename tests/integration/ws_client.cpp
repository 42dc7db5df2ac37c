#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <functional>
#include <stdexcept>

namespace cohort::it {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using steady = std::chrono::steady_clock;

namespace {

/// Completion state of one operation. Shared with its handler, so that a handler that
/// runs after its caller gave up (deadline passed) never touches a dead stack frame.
struct op_state {
  bool done = false;
  beast::error_code ec;
  std::string payload;  ///< A message being written, alive until the write completes.
};

} // namespace

struct ws_client::impl {
  // Declared first: destroyed last, after the stream whose handlers it may still hold
  // (pending handlers are destroyed, never invoked, with the io_context).
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer in;
  std::deque<std::string> inbox;
  bool reading = false;
  bool is_open = false;
  beast::error_code failure;
  std::string reason;  ///< Close reason from the server, when it sent one.
  int code = 0;        ///< Close code from the server, when it sent one.

  /// Runs handlers until `done()` holds or `deadline` passes; false on the deadline.
  bool run_until(const std::function<bool()>& done, steady::time_point deadline) {
    while (!done()) {
      if (steady::now() >= deadline)
        return false;
      if (ioc.stopped())
        ioc.restart();
      ioc.run_one_until(deadline);
    }
    return true;
  }

  void fail(beast::error_code ec) {
    if (!failure)
      failure = ec;
    // A received close frame is kept even when answering it failed: the server may
    // have gone away right after sending it (a stopping node).
    if (ws.reason().code != websocket::close_code::none) {
      reason = std::string(ws.reason().reason.c_str());
      code = ws.reason().code;
    }
    is_open = false;
  }

  /// Keeps exactly one read pending while the connection is open.
  void start_read() {
    if (reading || !is_open)
      return;
    reading = true;
    ws.async_read(in, [this](beast::error_code ec, std::size_t) {
      reading = false;
      if (ec)
        return fail(ec);
      inbox.push_back(beast::buffers_to_string(in.data()));
      in.consume(in.size());
      start_read();
    });
  }

  /// Gives up on the connection after a deadline: pending operations complete with an
  /// error (or are dropped with the io_context).
  void abandon(const std::string& what) {
    is_open = false;
    if (!failure)
      failure = beast::error::timeout;
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
    throw std::runtime_error("ws_client: " + what);
  }

  std::string describe_failure() const {
    std::string out = failure ? failure.message() : std::string("not connected");
    if (!reason.empty())
      out += " (close reason: " + reason + ")";
    return out;
  }
};

ws_client::ws_client(std::uint16_t port, std::string target, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  const auto deadline = steady::now() + timeout;
  const std::string where = "127.0.0.1:" + std::to_string(port) + target;
  net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
  auto& tcp = beast::get_lowest_layer(d.ws);

  auto connect = std::make_shared<op_state>();
  tcp.expires_after(timeout);
  tcp.async_connect(ep, [connect](beast::error_code ec) {
    connect->ec = ec;
    connect->done = true;
  });
  if (!d.run_until([&] { return connect->done; }, deadline))
    d.abandon("connect to " + where + " timed out");
  if (connect->ec)
    throw std::runtime_error("ws_client: connect to " + where + ": " + connect->ec.message());

  auto handshake = std::make_shared<op_state>();
  d.ws.async_handshake("127.0.0.1:" + std::to_string(port), target,
                       [handshake](beast::error_code ec) {
                         handshake->ec = ec;
                         handshake->done = true;
                       });
  if (!d.run_until([&] { return handshake->done; }, deadline))
    d.abandon("WebSocket handshake with " + where + " timed out");
  if (handshake->ec)
    throw std::runtime_error("ws_client: WebSocket handshake with " + where + ": " +
                             handshake->ec.message());
  // From here on the deadlines are per call (run_until); a TCP deadline would cut the
  // background read of a quiet subscription.
  tcp.expires_never();
  d.ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  d.ws.text(true);
  d.is_open = true;
  d.start_read();
}

ws_client::~ws_client() {
  if (impl_ && impl_->is_open) {
    try {
      close();
    } catch (const std::exception& e) {
      // A destructor must not throw; the socket goes away with the io_context.
      std::fprintf(stderr, "ws_client: close failed: %s\n", e.what());
    }
  }
}

void ws_client::send(std::string_view text, std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.is_open)
    throw std::runtime_error("ws_client: send on a closed connection: " + d.describe_failure());
  const auto deadline = steady::now() + timeout;
  d.start_read();
  auto write = std::make_shared<op_state>();
  write->payload = std::string(text);
  d.ws.async_write(net::buffer(write->payload), [write](beast::error_code ec, std::size_t) {
    write->ec = ec;
    write->done = true;
  });
  if (!d.run_until([&] { return write->done; }, deadline))
    d.abandon("send timed out");
  if (write->ec) {
    d.fail(write->ec);
    throw std::runtime_error("ws_client: send failed: " + d.describe_failure());
  }
}

std::optional<std::string> ws_client::next(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  d.start_read();
  d.run_until([&] { return !d.inbox.empty() || !d.is_open; }, steady::now() + timeout);
  if (!d.inbox.empty()) {
    std::string out = std::move(d.inbox.front());
    d.inbox.pop_front();
    return out;
  }
  if (!d.is_open)
    throw std::runtime_error("ws_client: connection ended: " + d.describe_failure());
  return std::nullopt;
}

std::size_t ws_client::queued() { return impl_->inbox.size(); }

bool ws_client::open() const { return impl_->is_open; }

std::string ws_client::close_reason() const { return impl_->reason; }
int ws_client::close_code() const { return impl_->code; }

void ws_client::close(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.is_open)
    return;
  const auto deadline = steady::now() + timeout;
  auto closing = std::make_shared<op_state>();
  d.ws.async_close(websocket::close_code::normal, [closing](beast::error_code ec) {
    closing->ec = ec;
    closing->done = true;
  });
  // The pending read sees the server's close frame and ends with error::closed.
  const bool done = d.run_until([&] { return closing->done && !d.reading; }, deadline);
  d.is_open = false;
  beast::error_code ignored;
  beast::get_lowest_layer(d.ws).socket().close(ignored);
  if (!done)
    throw std::runtime_error("ws_client: close handshake timed out");
}

} // namespace cohort::it
