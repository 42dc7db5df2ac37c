#include "tls_client.hpp"

#include <functional>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace cohort::it {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using steady = std::chrono::steady_clock;

namespace {

/// Completion of one operation, shared with its handler so that a late handler never
/// touches a dead stack frame.
struct op_state {
  bool done = false;
  beast::error_code ec;
  std::string payload;  ///< A message being written, alive until the write completes.
};

auto completes(std::shared_ptr<op_state> op) {
  return [op](beast::error_code ec, auto&&...) {
    op->ec = ec;
    op->done = true;
  };
}

/// Runs handlers until `op` completes or `deadline` passes; throws on either failure.
void wait(net::io_context& ioc, const op_state& op, steady::time_point deadline,
          const std::string& what) {
  while (!op.done && steady::now() < deadline) {
    if (ioc.stopped())
      ioc.restart();
    ioc.run_one_until(deadline);
  }
  if (!op.done)
    throw std::runtime_error("tls_client: " + what + " timed out");
  if (op.ec)
    throw std::runtime_error("tls_client: " + what + ": " + op.ec.message());
}

ssl::context client_context() {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);  // the tests' self-signed certificate
  return ctx;
}

/// Connects `stream` to 127.0.0.1:port and completes the TLS client handshake.
void connect_tls(net::io_context& ioc, tls_stream& stream, std::uint16_t port,
                 steady::time_point deadline) {
  auto& tcp = beast::get_lowest_layer(stream);
  auto connected = std::make_shared<op_state>();
  tcp.async_connect({net::ip::make_address("127.0.0.1"), port}, completes(connected));
  wait(ioc, *connected, deadline, "connect");
  auto shaken = std::make_shared<op_state>();
  stream.async_handshake(ssl::stream_base::client, completes(shaken));
  wait(ioc, *shaken, deadline, "TLS handshake");
}

} // namespace

http_response https_request(std::uint16_t port, const http_request& req,
                            std::chrono::milliseconds timeout) {
  net::io_context ioc;
  auto ctx = client_context();
  tls_stream stream(ioc, ctx);
  const auto deadline = steady::now() + timeout;
  connect_tls(ioc, stream, port, deadline);
  bhttp::request<bhttp::string_body> out{bhttp::string_to_verb(req.method), req.target, 11};
  out.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : req.headers)
    out.set(name, value);
  out.body() = req.body;
  out.keep_alive(false);
  out.prepare_payload();
  auto written = std::make_shared<op_state>();
  bhttp::async_write(stream, out, completes(written));
  wait(ioc, *written, deadline, "write " + req.target);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> in;
  auto read = std::make_shared<op_state>();
  bhttp::async_read(stream, buffer, in, completes(read));
  wait(ioc, *read, deadline, "read the answer to " + req.target);
  http_response res;
  res.status = static_cast<int>(in.result_int());
  res.reason = std::string(in.reason());
  for (const auto& field : in)
    res.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  res.body = std::move(in.body());
  return res;
}

struct wss_client::impl {
  net::io_context ioc;  // first: destroyed last, after the stream its handlers hold
  ssl::context ctx = client_context();
  websocket::stream<tls_stream> ws{ioc, ctx};
  beast::flat_buffer in;
  std::shared_ptr<op_state> pending_read;
};

wss_client::wss_client(std::uint16_t port, std::string target, std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  const auto deadline = steady::now() + timeout;
  connect_tls(d.ioc, d.ws.next_layer(), port, deadline);
  auto upgraded = std::make_shared<op_state>();
  d.ws.async_handshake("127.0.0.1:" + std::to_string(port), target, completes(upgraded));
  wait(d.ioc, *upgraded, deadline, "WebSocket handshake on " + target);
  beast::get_lowest_layer(d.ws).expires_never();
  d.ws.text(true);
}

wss_client::~wss_client() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

void wss_client::send(std::string_view text, std::chrono::milliseconds timeout) {
  auto written = std::make_shared<op_state>();
  written->payload = std::string(text);
  impl_->ws.async_write(net::buffer(written->payload), completes(written));
  wait(impl_->ioc, *written, steady::now() + timeout, "WebSocket send");
}

std::optional<std::string> wss_client::next(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.pending_read) {
    d.pending_read = std::make_shared<op_state>();
    d.ws.async_read(d.in, completes(d.pending_read));
  }
  const auto deadline = steady::now() + timeout;
  while (!d.pending_read->done && steady::now() < deadline) {
    if (d.ioc.stopped())
      d.ioc.restart();
    d.ioc.run_one_until(deadline);
  }
  if (!d.pending_read->done)
    return std::nullopt;
  auto read = std::move(d.pending_read);
  if (read->ec)
    throw std::runtime_error("wss_client: connection ended: " + read->ec.message());
  std::string message = beast::buffers_to_string(d.in.data());
  d.in.consume(d.in.size());
  return message;
}

} // namespace cohort::it
