#include "webhook_receiver.hpp"

#include <chrono>
#include <cstdlib>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "json_doc.hpp"

namespace cohort::it {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// The key of a `whsec_` secret (base64 after the prefix; padding bytes dropped).
std::string secret_key(const std::string& secret) {
  auto encoded = secret.substr(6);
  std::string out(3 * encoded.size() / 4, '\0');
  auto n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(encoded.data()),
                           static_cast<int>(encoded.size()));
  out.resize(static_cast<std::size_t>(n));
  for (auto it = encoded.rbegin(); it != encoded.rend() && *it == '='; ++it)
    out.pop_back();
  return out;
}

std::string expected_signature(const std::string& key, const std::string& id,
                               const std::string& timestamp, const std::string& body) {
  const std::string content = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &size);
  return "v1," + base64(mac, size);
}

} // namespace

struct webhook_receiver::impl {
  std::string key;
  std::function<int(std::uint64_t)> answer;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  std::vector<received_hook> requests;
  std::vector<std::string> rejected;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> connections;
  std::unique_ptr<asio::ssl::context> tls;  ///< https only when set.
  std::atomic<std::uint64_t> failed_handshakes{0};

  /// Checks one request; the reason when it does not check out.
  std::string check(const http::request<http::string_body>& req, received_hook& hook) const {
    hook.id = std::string(req["webhook-id"]);
    const std::string timestamp(req["webhook-timestamp"]);
    const std::string signature(req["webhook-signature"]);
    if (hook.id.empty() || timestamp.empty() || signature.empty())
      return "missing webhook-id, webhook-timestamp or webhook-signature";
    if (signature != expected_signature(key, hook.id, timestamp, req.body()))
      return "bad signature on " + hook.id;
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    if (std::llabs(now_s - std::atoll(timestamp.c_str())) > 300)
      return "timestamp " + timestamp + " more than 5 minutes off";
    json_doc doc(req.body());
    hook.profile = doc.string_at("/profileId").value_or("");
    hook.seq = doc.int_at("/seq").value_or(0);
    hook.type = doc.string_at("/type").value_or("");
    if (hook.profile.empty() || hook.seq <= 0)
      return "no profileId or seq in " + req.body();
    return {};
  }

  void serve(const std::shared_ptr<tcp::socket>& socket) {
    if (!tls) {
      exchange(*socket);
      return;
    }
    boost::beast::ssl_stream<tcp::socket&> stream{*socket, *tls};
    boost::system::error_code ec;
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) {
      ++failed_handshakes;
      return;
    }
    exchange(stream);
  }

  /// Reads requests and answers them until the client closes.
  template <class Stream>
  void exchange(Stream& stream) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (!stopping) {
      http::request<http::string_body> req;
      http::read(stream, buffer, req, ec);
      if (ec)
        return;
      received_hook hook;
      hook.body = req.body();
      auto problem = check(req, hook);
      {
        std::lock_guard<std::mutex> guard{mutex};
        hook.status = problem.empty() ? (answer ? answer(requests.size() + 1) : 204) : 400;
        if (!problem.empty())
          rejected.push_back(problem);
        requests.push_back(hook);
      }
      http::response<http::string_body> res{static_cast<http::status>(hook.status), req.version()};
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive())
        return;
    }
  }

  void accept_loop() {
    while (!stopping) {
      auto socket = std::make_shared<tcp::socket>(io);
      boost::system::error_code ec;
      acceptor.accept(*socket, ec);
      if (ec || stopping)
        return;
      std::lock_guard<std::mutex> guard{mutex};
      sockets.push_back(socket);
      connections.emplace_back([this, socket] { serve(socket); });
    }
  }
};

webhook_receiver::webhook_receiver(std::string secret, std::function<int(std::uint64_t)> answer,
                                   std::optional<tls_identity> tls)
  : impl_(std::make_unique<impl>()), tls_(tls.has_value()) {
  impl_->key = secret_key(secret);
  impl_->answer = std::move(answer);
  if (tls) {
    impl_->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls->cert_file);
    impl_->tls->use_private_key_file(tls->key_file, asio::ssl::context::pem);
  }
  tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

webhook_receiver::~webhook_receiver() {
  impl_->stopping = true;
  boost::system::error_code ec;
  // Wakes the blocking accept(), which then sees `stopping` (closing the acceptor under it
  // from this thread would race).
  {
    tcp::socket wake{impl_->io};
    wake.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
  }
  impl_->accept_thread.join();
  impl_->acceptor.close(ec);
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> guard{impl_->mutex};
    for (auto& s : impl_->sockets)
      s->shutdown(tcp::socket::shutdown_both, ec);
    connections.swap(impl_->connections);
  }
  for (auto& t : connections)
    t.join();
}

std::vector<received_hook> webhook_receiver::requests() const {
  std::lock_guard<std::mutex> guard{impl_->mutex};
  return impl_->requests;
}

std::uint64_t webhook_receiver::failed_handshakes() const {
  return impl_->failed_handshakes;
}

std::vector<std::string> webhook_receiver::rejected() const {
  std::lock_guard<std::mutex> guard{impl_->mutex};
  return impl_->rejected;
}

} // namespace cohort::it
