#include "http/http_server.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "http/http_connection.hpp"
#include "http/http_request_parse.hpp"
#include "http/upgrade.hpp"
#include "http/tls_context.hpp"

namespace cohort::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

namespace http_detail {

http_request to_request(bhttp::request<bhttp::string_body>&& in, const tcp::socket& sock) {
  boost::system::error_code ec;
  auto ep = sock.remote_endpoint(ec);
  return cohort::http::to_request(std::move(in), ec ? std::string{} : ep.address().to_string());
}

} // namespace http_detail

namespace {

constexpr auto accept_retry_delay = std::chrono::milliseconds(100);
constexpr auto refusal_drain = std::chrono::seconds(1);
/// How long a stopping server waits for its WebSocket clients to take their close frames.
constexpr auto goodbye_deadline = std::chrono::seconds(2);

/// Counts open connections against max_connections. A slot is a token whose
/// destruction gives the place back, so a connection handing its socket to a WebSocket
/// session hands the slot along, and no path can forget to release it.
class connection_slots {
public:
  explicit connection_slots(std::size_t max) : max_(max) {
  }

  /// A slot, or null when `max` are taken.
  std::shared_ptr<void> try_take() {
    if (open_->fetch_add(1) >= max_) {
      open_->fetch_sub(1);
      return nullptr;
    }
    // Points at the counter only to be non-null; the deleter gives the place back.
    return std::shared_ptr<void>(open_.get(), [open = open_](void*) { open->fetch_sub(1); });
  }

private:
  const std::size_t max_;
  std::shared_ptr<std::atomic<std::size_t>> open_ = std::make_shared<std::atomic<std::size_t>>(0);
};

/// A plain connection past max_connections: a canned 503, then a short drain of what
/// the client already sent (closing over unread bytes would reset the connection and
/// could destroy the answer in flight), then close.
class refusal : public std::enable_shared_from_this<refusal> {
public:
  explicit refusal(tcp::socket&& socket) : stream_(std::move(socket)) {
  }

  void start() {
    static const std::string answer = [] {
      const std::string body = R"({"success":false,"error":"too many open connections"})";
      return "HTTP/1.1 503 Service Unavailable\r\nServer: cohortd\r\nRetry-After: 1\r\n"
             "Content-Type: application/json\r\nContent-Length: "
             + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    }();
    stream_.expires_after(refusal_drain);
    net::async_write(stream_, net::buffer(answer),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       beast::error_code ignored;
                       self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                       if (!ec)
                         self->drain();
                     });
  }

private:
  void drain() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec)
                                self->drain();
                            });
  }

  beast::tcp_stream stream_;
  char scratch_[4096];
};

} // namespace

/// One io_context per server thread, each run by its thread alone, and each accepted
/// connection on the next one in turn. With one context shared by the threads, Asio woke
/// the other thread for work the running one could do: at 50k events/s the HTTP threads
/// switched 9.1 times per request, 3.7 with a context each.
struct server_threads {
  explicit server_threads(int n) {
    for (int i = 0; i < std::max(1, n); ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      // Keeps run() going while a context has no connection yet.
      guards.push_back(net::make_work_guard(*contexts.back()));
    }
  }
  /// The context for the next accepted connection: each in turn.
  net::io_context& next() { return *contexts[turn++ % contexts.size()]; }

  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::size_t turn = 0;  ///< used by the acceptor's handler only
};

struct http_server::impl {
  impl(http_server_options o, const http_router& r)
    : opts(std::move(o)), router(r), io(opts.threads),
      acceptor(net::make_strand(*io.contexts.front())), retry(acceptor.get_executor()),
      slots(opts.max_connections) {
  }

  void accept() {
    acceptor.async_accept(net::make_strand(io.next()), [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (ec)
        return accept_later();
      serve(std::move(s));
      accept();
    });
  }

  /// Out of file descriptors (or another accept failure): retrying at once would spin a
  /// server thread at 100% while connections close and free some.
  void accept_later() {
    retry.expires_after(accept_retry_delay);
    retry.async_wait([this](beast::error_code ec) {
      if (!ec)
        accept();
    });
  }

  void serve(tcp::socket s) {
    auto slot = slots.try_take();
    if (!slot && opts.tls) {
      beast::error_code ignored;
      s.close(ignored);
    } else if (!slot) {
      std::make_shared<refusal>(std::move(s))->start();
    } else if (opts.tls) {
      std::make_shared<http_detail::connection<tls_stream>>(router, opts, std::move(slot),
                                                            std::move(s), opts.tls->native())
        ->start();
    } else {
      std::make_shared<http_detail::connection<beast::tcp_stream>>(router, opts,
                                                                   std::move(slot), std::move(s))
        ->start();
    }
  }

  http_server_options opts;
  const http_router& router;
  server_threads io;
  tcp::acceptor acceptor;
  net::steady_timer retry;
  connection_slots slots;
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
  for (auto& ioc : impl_->io.contexts)
    impl_->threads.emplace_back([&ioc = *ioc] {
      // Named for top -H, perf and bench/run.sh --allocations, beside CAF's and RocksDB's.
      pthread_setname_np(pthread_self(), "cohort.http");
      ioc.run();
    });
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
    impl_->retry.cancel();
  });
  if (impl_->opts.upgrades)
    impl_->opts.upgrades->close_all(goodbye_deadline);
  for (auto& ioc : impl_->io.contexts)
    ioc->stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

} // namespace cohort::http
