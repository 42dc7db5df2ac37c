#include "connectors/http_poster.hpp"

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "config/loader.hpp"

namespace cohort::connectors {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

/// One request's connection; keeps itself alive through its handlers.
class exchange : public std::enable_shared_from_this<exchange> {
public:
  exchange(net::io_context& ioc, post_request req, std::function<void(post_result)> done)
    : resolver_(ioc), stream_(ioc), req_(std::move(req)), done_(std::move(done)) {}

  void start() {
    stream_.expires_after(req_.timeout);
    resolver_.async_resolve(req_.host, req_.port,
                            [self = shared_from_this()](beast::error_code ec, auto results) {
                              if (ec)
                                return self->finish("resolve: " + ec.message());
                              self->stream_.async_connect(
                                results, [self](beast::error_code ec2, const auto&) {
                                  if (ec2)
                                    return self->finish("connect: " + ec2.message());
                                  self->send();
                                });
                            });
  }

private:
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
    bhttp::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->finish("send: " + ec.message());
      self->parser_.body_limit(1 << 20);
      bhttp::async_read(self->stream_, self->buffer_, self->parser_,
                        [self](beast::error_code ec2, std::size_t) {
                          if (ec2)
                            return self->finish("answer: " + ec2.message());
                          self->result_.status = self->parser_.get().result_int();
                          self->result_.retry_after =
                            std::string(self->parser_.get()[bhttp::field::retry_after]);
                          self->finish({});
                        });
    });
  }

  void finish(std::string error) {
    result_.error = std::move(error);
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    done_(std::move(result_));
  }

  net::ip::tcp::resolver resolver_;
  beast::tcp_stream stream_;
  post_request req_;
  std::function<void(post_result)> done_;
  bhttp::request<bhttp::string_body> request_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  post_result result_;
};

} // namespace

struct http_poster::impl {
  net::io_context ioc;
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
  auto& ioc = impl_->ioc;
  net::post(ioc, [&ioc, request = std::move(request), done = std::move(done)]() mutable {
    std::make_shared<exchange>(ioc, std::move(request), std::move(done))->start();
  });
}

bool split_http_url(const std::string& url, post_request& out) {
  constexpr std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    return false;
  const auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  unsigned short port = 0;
  if (!config::parse_host_port(rest.substr(0, slash), out.host, port) || port == 0)
    return false;
  out.port = std::to_string(port);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  return true;
}

} // namespace cohort::connectors
