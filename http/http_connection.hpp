#pragma once

// One client connection of http_server, plain or TLS. Only http_server.cpp includes this
// header: Beast and OpenSSL are heavy to compile.

#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "codecs/json_body.hpp"
#include "http/http_router.hpp"
#include "http/http_server.hpp"
#include "http/upgrade.hpp"

namespace cohort::http {

namespace http_detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

template <class Stream>
constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

http_request to_request(bhttp::request<bhttp::string_body>&& in, const tcp::socket& sock);

/// Reads requests, dispatches them, writes the answers in order, repeat. Phases and
/// their deadlines: TLS handshake and first header (header_timeout), body
/// (body_timeout), response write (body_timeout), wait for the next kept-alive request
/// (idle_timeout), its header (header_timeout from its first byte). A passed deadline
/// closes the connection. `slot` is held as long as the connection (or the WebSocket
/// session it became) lives: it is what max_connections counts.
template <class Stream>
class connection : public std::enable_shared_from_this<connection<Stream>> {
public:
  template <class... StreamArgs>
  connection(const http_router& router, const http_server_options& opts,
             std::shared_ptr<void> slot, StreamArgs&&... args)
    : stream_(std::forward<StreamArgs>(args)...), router_(router), opts_(opts),
      slot_(std::move(slot)) {
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (is_tls<Stream>)
        self->handshake();
      else
        self->read_header();
    });
  }

private:
  beast::tcp_stream& tcp() {
    return beast::get_lowest_layer(stream_);
  }

  void handshake() {
    tcp().expires_after(opts_.header_timeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code ec) {
                              if (ec)
                                return self->close();
                              self->read_header();
                            });
  }

  /// Kept alive: the header deadline starts with the next request's first byte, so
  /// until then the (longer) idle deadline applies. Pipelined bytes skip the wait.
  void await_next() {
    if (buffer_.size() > 0)
      return read_header();
    tcp().expires_after(opts_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](
                                                     beast::error_code ec, std::size_t n) {
      if (ec)
        return self->close();
      self->buffer_.commit(n);
      self->read_header();
    });
  }

  void read_header() {
    parser_.emplace();
    parser_->body_limit(opts_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(opts_.max_header_bytes));
    tcp().expires_after(opts_.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec)
      return on_read_error(ec);
    if (parser_->is_done())
      return on_request();
    reserve_body();
    tcp().expires_after(opts_.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec)
                         return self->on_read_error(ec);
                       self->on_request();
                     });
  }

  /// Sizes the body's string with simdjson's padding after it, so that the decoders parse
  /// it in place instead of copying the whole body first (~180 instructions per event of
  /// a 100-event batch). Beast's own reserve of the content length then changes nothing.
  /// A body over the limit is refused while it is read, so nothing larger is reserved.
  void reserve_body() {
    const auto length = parser_->content_length();
    if (length && *length <= opts_.max_body_bytes)
      parser_->get().body().reserve(*length + codecs::json_body_padding);
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit)
      return fail(413, "body exceeds " + std::to_string(opts_.max_body_bytes) + " bytes");
    if (ec == bhttp::error::header_limit)
      return fail(431, "headers exceed " + std::to_string(opts_.max_header_bytes) + " bytes");
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()
        && ec != bhttp::error::end_of_stream)
      return fail(400, "bad HTTP request: " + ec.message());
    close();  // end of stream, timeout, reset, TLS failure: nobody to answer
  }

  void on_request() {
    auto in = parser_->release();
    // The WebSocket session takes the stream (and the slot) over; this connection ends.
    if (opts_.upgrades && opts_.upgrades->accepts(in))
      return opts_.upgrades->start(std::move(stream_), std::move(in),
                                  std::move(slot_));
    keep_alive_ = in.keep_alive();
    version_ = in.version();
    tcp().expires_never();  // handlers are bounded by their own (actor ask) timeouts
    auto self = this->shared_from_this();
    router_.dispatch(to_request(std::move(in), tcp().socket()), [self](http_response res) {
      net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->write(std::move(res));
      });
    });
  }

  /// Answers a request that could not be read, then closes: the stream position is
  /// unknown after a parse error, so the connection cannot be reused.
  void fail(unsigned status, std::string reason) {
    keep_alive_ = false;
    version_ = 11;
    write(error_response(status, reason));
  }

  void write(http_response res) {
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(res.status), version_);
    msg->set(bhttp::field::server, "cohortd");
    if (!res.content_type.empty())
      msg->set(bhttp::field::content_type, res.content_type);
    for (auto& [k, v] : res.headers)
      msg->set(k, v);
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive_);
    msg->prepare_payload();
    tcp().expires_after(opts_.body_timeout);
    bhttp::async_write(stream_, *msg, [self = this->shared_from_this(), msg](
                                       beast::error_code ec, std::size_t) {
      if (ec || !self->keep_alive_)
        return self->close();
      self->await_next();
    });
  }

  /// TLS connections end without close_notify: HTTP/1.1 framing already tells where the
  /// last response ends, and waiting for the peer's notify would let it hold the socket.
  void close() {
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp().socket().close(ec);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const http_router& router_;
  const http_server_options& opts_;
  std::shared_ptr<void> slot_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

} // namespace http_detail

} // namespace cohort::http
