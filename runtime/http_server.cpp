#include "runtime/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "runtime/stream_session.hpp"

namespace cohort::runtime {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

http_request to_request(http::request<http::string_body>&& in, const tcp::socket& sock) {
  http_request req;
  req.method = std::string(in.method_string());
  std::string_view target = in.target();
  auto q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos)
    req.query = std::string(target.substr(q + 1));
  for (const auto& field : in) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    req.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  req.body = std::move(in.body());
  boost::system::error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (!ec)
    req.remote = ep.address().to_string();
  return req;
}

/// One client connection: read a request, dispatch, write the answer, repeat.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(tcp::socket&& socket, const http_router& router, const http_server_options& opts)
    : stream_(std::move(socket)), router_(router), opts_(opts) {
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

private:
  void read() {
    parser_.emplace();
    parser_->body_limit(opts_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(opts_.max_header_bytes));
    stream_.expires_after(opts_.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout
        || ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      return close();
    }
    if (ec == http::error::body_limit)
      return fail(413, "body exceeds " + std::to_string(opts_.max_body_bytes) + " bytes");
    if (ec == http::error::header_limit)
      return fail(431, "headers exceed " + std::to_string(opts_.max_header_bytes) + " bytes");
    if (ec)
      return fail(400, "bad HTTP request: " + ec.message());
    auto in = parser_->release();
    // The WebSocket session takes the socket over; this connection ends here.
    if (opts_.stream && is_stream_upgrade(in))
      return start_stream_session(opts_.stream, std::move(stream_), std::move(in));
    keep_alive_ = in.keep_alive();
    version_ = in.version();
    stream_.expires_never();
    auto self = shared_from_this();
    router_.dispatch(to_request(std::move(in), stream_.socket()),
                     [self](http_response res) {
                       net::post(self->stream_.get_executor(),
                                 [self, res = std::move(res)]() mutable {
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
    auto msg = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(res.status), version_);
    msg->set(http::field::server, "cohortd");
    msg->set(http::field::content_type, res.content_type);
    for (auto& [k, v] : res.headers)
      msg->set(k, v);
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive_);
    msg->prepare_payload();
    stream_.expires_after(opts_.request_timeout);
    http::async_write(stream_, *msg,
                      [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_)
                          return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const http_router& router_;
  const http_server_options& opts_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

} // namespace

struct http_server::impl {
  impl(http_server_options o, const http_router& r)
    : opts(std::move(o)), router(r), ioc(opts.threads), acceptor(net::make_strand(ioc)) {
  }

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (!ec)
        std::make_shared<connection>(std::move(s), router, opts)->start();
      accept();
    });
  }

  http_server_options opts;
  const http_router& router;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  unsigned short port = 0;
};

http_server::http_server(http_server_options options, const http_router& router)
  : impl_(std::make_unique<impl>(std::move(options), router)) {
}

http_server::~http_server() {
  stop();
}

result<unsigned short> http_server::start() {
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->opts.host, ec);
  if (ec)
    return failure{500, "bad listen address '" + impl_->opts.host + "': " + ec.message()};
  tcp::endpoint ep{address, impl_->opts.port};
  auto& acc = impl_->acceptor;
  if (acc.open(ep.protocol(), ec); !ec)
    if (acc.set_option(net::socket_base::reuse_address(true), ec); !ec)
      if (acc.bind(ep, ec); !ec)
        acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return failure{500, "cannot listen on " + impl_->opts.host + ":"
                          + std::to_string(impl_->opts.port) + ": " + ec.message()};
  impl_->port = acc.local_endpoint().port();
  impl_->accept();
  for (int i = 0; i < std::max(1, impl_->opts.threads); ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return impl_->port;
}

unsigned short http_server::port() const {
  return impl_->port;
}

void http_server::stop() {
  if (impl_->threads.empty())
    return;
  net::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

} // namespace cohort::runtime
