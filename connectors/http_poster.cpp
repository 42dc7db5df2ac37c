#include "connectors/http_poster.hpp"

#include <map>
#include <thread>
#include <type_traits>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace cohort::connectors {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

beast::tcp_stream& tcp_of(beast::tcp_stream& s) { return s; }
beast::tcp_stream& tcp_of(tls_stream& s) { return beast::get_lowest_layer(s); }

/// One request's connection; keeps itself alive through its handlers. `Stream` is a plain
/// TCP stream, or a TLS stream whose handshake follows the connect.
template <class Stream>
class exchange : public std::enable_shared_from_this<exchange<Stream>> {
public:
  template <class... StreamArgs>
  exchange(net::io_context& ioc, post_request req, std::function<void(post_result)> done,
           StreamArgs&&... stream_args)
    : resolver_(ioc), stream_(std::forward<StreamArgs>(stream_args)...), req_(std::move(req)),
      done_(std::move(done)) {}

  void start() {
    tcp_of(stream_).expires_after(req_.timeout);
    resolver_.async_resolve(req_.host, req_.port,
                            [self = this->shared_from_this()](beast::error_code ec, auto results) {
                              if (ec)
                                return self->finish("resolve: " + ec.message());
                              tcp_of(self->stream_).async_connect(
                                results, [self](beast::error_code ec2, const auto&) {
                                  if (ec2)
                                    return self->finish("connect: " + ec2.message());
                                  self->secure();
                                });
                            });
  }

private:
  void secure() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      auto* ssl = stream_.native_handle();
      if (!SSL_set_tlsext_host_name(ssl, req_.host.c_str()))
        return finish("tls: cannot set the server name " + req_.host);
      stream_.set_verify_callback(net::ssl::host_name_verification(req_.host));
      stream_.async_handshake(net::ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec)
                                  return self->finish("tls handshake: " + ec.message());
                                self->send();
                              });
    } else {
      send();
    }
  }

  void send() {
    request_.method(bhttp::verb::post);
    request_.target(req_.target);
    request_.version(11);
    request_.set(bhttp::field::host, req_.host + ":" + req_.port);
    request_.set(bhttp::field::content_type, "application/json");
    request_.set(bhttp::field::user_agent, "cohort-webhooks");
    request_.set(bhttp::field::connection, "close");
    for (const auto& [name, value] : req_.headers)
      request_.set(name, value);
    request_.body() = req_.body;
    request_.prepare_payload();
    bhttp::async_write(stream_, request_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec)
                           return self->finish("send: " + ec.message());
                         self->parser_.body_limit(1 << 20);
                         bhttp::async_read(self->stream_, self->buffer_, self->parser_,
                                           [self](beast::error_code ec2, std::size_t) {
                                             if (ec2)
                                               return self->finish("answer: " + ec2.message());
                                             self->answered();
                                           });
                       });
  }

  void answered() {
    result_.status = parser_.get().result_int();
    result_.retry_after = std::string(parser_.get()[bhttp::field::retry_after]);
    finish({});
  }

  void finish(std::string error) {
    result_.error = std::move(error);
    // Connection: close, and the answer is in: no TLS close_notify is waited for.
    beast::error_code ignored;
    tcp_of(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    done_(std::move(result_));
  }

  net::ip::tcp::resolver resolver_;
  Stream stream_;
  post_request req_;
  std::function<void(post_result)> done_;
  bhttp::request<bhttp::string_body> request_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  post_result result_;
};

/// A client TLS context verifying peers against `ca_file`, or the system's trust store.
std::shared_ptr<net::ssl::context> client_context(const std::string& ca_file, std::string& error) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  beast::error_code ec;
  ctx->set_verify_mode(net::ssl::verify_peer, ec);
  if (!ec) {
    if (ca_file.empty())
      ctx->set_default_verify_paths(ec);
    else
      ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    error = "tls: " + (ca_file.empty() ? std::string("system trust store") : ca_file) + ": "
            + ec.message();
    return nullptr;
  }
  return ctx;
}

} // namespace

struct http_poster::impl {
  net::io_context ioc;
  /// TLS contexts by ca_file; touched on the I/O thread only.
  std::map<std::string, std::shared_ptr<net::ssl::context>> tls;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::thread thread{[this] { ioc.run(); }};
};

http_poster::http_poster() : impl_(std::make_unique<impl>()) {
}

http_poster::~http_poster() {
  stop();
}

void http_poster::stop() {
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

void http_poster::post(post_request request, std::function<void(post_result)> done) {
  auto* m = impl_.get();
  net::post(m->ioc, [m, request = std::move(request), done = std::move(done)]() mutable {
    if (!request.tls) {
      std::make_shared<exchange<beast::tcp_stream>>(m->ioc, std::move(request), std::move(done),
                                                    m->ioc)
        ->start();
      return;
    }
    auto& ctx = m->tls[request.ca_file];
    if (!ctx) {
      std::string error;
      ctx = client_context(request.ca_file, error);
      if (!ctx) {
        m->tls.erase(request.ca_file);  // tried again with the next request
        done(post_result{0, std::move(error), {}});
        return;
      }
    }
    std::make_shared<exchange<tls_stream>>(m->ioc, std::move(request), std::move(done), m->ioc, *ctx)
      ->start();
  });
}

} // namespace cohort::connectors
