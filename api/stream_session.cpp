#include "api/stream_session.hpp"

#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "codecs/time.hpp"
#include "api/change_json.hpp"
#include "api/inspect_stream.hpp"
#include "api/metrics.hpp"
#include "api/stream_protocol.hpp"

namespace cohort::api {


namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr std::string_view stream_path = "/v1/stream";
constexpr std::string_view slow_consumer_reason = "slow consumer: send queue full";
constexpr std::string_view going_away_reason = "server shutting down";

/// What the outbox wakes: a session, whatever its transport.
class wakeable {
public:
  virtual ~wakeable() = default;
  virtual void on_wake() = 0;
};

/// The bounded queue of frames waiting to be written, and the only way from the
/// subscriber actor (CAF threads) into a session (its strand). The actor never holds the
/// session itself: it queues a frame and posts a wake-up that finds the session through
/// a weak pointer. close() forgets the executor, so that nothing is posted to an
/// io_context that is going away (sessions close before their server's io_context dies).
class outbox {
public:
  outbox(const stream_limits& limits, net::any_io_executor strand,
         std::weak_ptr<wakeable> session)
    : limits_(limits), strand_(std::move(strand)), session_(std::move(session)) {
  }

  /// Queues `frame` unless that would pass a limit: then the box is marked overflowed
  /// (for the session to drop the client) and false is returned. Any thread.
  bool offer(std::string frame);

  /// Called by the session on its strand when a wake-up posted by offer() runs.
  void woken() {
    std::lock_guard<std::mutex> guard{mutex_};
    wake_posted_ = false;
  }

  bool overflowed() {
    std::lock_guard<std::mutex> guard{mutex_};
    return overflowed_;
  }

  /// The oldest queued frame, if any.
  std::optional<std::string> take() {
    std::lock_guard<std::mutex> guard{mutex_};
    if (frames_.empty())
      return std::nullopt;
    auto frame = std::move(frames_.front());
    frames_.pop_front();
    bytes_ -= frame.size();
    return frame;
  }

  /// Drops queued frames and refuses new ones. Idempotent.
  void close() {
    std::lock_guard<std::mutex> guard{mutex_};
    closed_ = true;
    frames_.clear();
    bytes_ = 0;
    strand_.reset();
  }

private:
  void wake_locked();

  const stream_limits limits_;
  std::mutex mutex_;
  std::deque<std::string> frames_;
  std::size_t bytes_ = 0;
  bool overflowed_ = false;
  bool closed_ = false;
  bool wake_posted_ = false;  ///< At most one wake-up waits on the strand.
  std::optional<net::any_io_executor> strand_;
  std::weak_ptr<wakeable> session_;
};

/// One subscriber actor per connection: the publisher's fan-out target. It renders each
/// change event (off the server threads) and hands the frame to the connection.
caf::behavior subscriber_actor(caf::event_based_actor* self, std::shared_ptr<outbox> box,
                               latency_histogram* push_latency) {
  return {
    [=](const actors::change_event& ev) {
      // Refused: the session drops the client and terminates this actor; quitting now
      // spares the publisher from sending more in the meantime.
      if (!box->offer(change_json(ev)))
        return self->quit();
      if (push_latency && ev.received_ms > 0)
        push_latency->observe(std::chrono::milliseconds(codecs::now_ms() - ev.received_ms));
    },
  };
}

/// One WebSocket client of /v1/stream over `Stream` (TCP or TLS). Every member is
/// touched on the connection's strand only (the socket was accepted on a strand),
/// except the outbox.
template <class Stream>
class stream_session : public wakeable,
                       public std::enable_shared_from_this<stream_session<Stream>> {
public:
  stream_session(std::shared_ptr<const stream_context> ctx, Stream&& stream,
                 std::shared_ptr<void> slot)
    : ctx_(std::move(ctx)), ws_(std::move(stream)), grace_(ws_.get_executor()),
      slot_(std::move(slot)) {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    if (!ec)
      remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~stream_session() {
    release();
  }

  void run(http::upgrade_request&& req) {
    // The websocket stream keeps its own timeouts; the TCP deadline of the HTTP
    // connection would otherwise cut idle subscribers.
    beast::get_lowest_layer(ws_).expires_never();
    // Server defaults (30 s handshake), and a ping after half the idle timeout of
    // silence: a listening client sends nothing, but its ping answer counts as activity.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = ctx_->limits.idle_timeout;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(bhttp::field::server, "cohortd"); }));
    ws_.read_message_max(ctx_->limits.max_frame_bytes);
    if (ctx_->inspect)
      inspect_.emplace(ctx_->inspect, ctx_->system, ctx_->publisher,
                       inspect_allowed(*ctx_->inspect, req.target(),
                                       req[bhttp::field::authorization],
                                       req[bhttp::field::origin], req[bhttp::field::host]));
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
      self->on_accept(ec);
    });
  }

  /// A frame was queued by the subscriber actor (or the queue overflowed).
  void on_wake() override {
    if (box_)
      box_->woken();
    pump();
  }

private:
  void on_accept(beast::error_code ec) {
    if (ec)
      return release();
    ws_.text(true);
    box_ = std::make_shared<outbox>(ctx_->limits, ws_.get_executor(), this->weak_from_this());
    subscriber_ = ctx_->system.spawn(subscriber_actor, box_, ctx_->push_latency);
    registration_ = ctx_->sessions->enter(
      [weak = this->weak_from_this(), strand = ws_.get_executor()] {
        net::post(strand, [weak] {
          if (auto self = weak.lock())
            self->going_away();
        });
      });
    read();
  }

  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  /// Reading goes on while closing: Beast completes the close handshake through it.
  void on_read(beast::error_code ec) {
    if (ec || released_)
      return release();
    if (!closing_)
      handle(beast::buffers_to_string(in_.data()));
    in_.consume(in_.size());
    read();
  }

  void handle(const std::string& frame) {
    if (!ws_.got_text())
      return reply(error_json("expected text frames"));
    auto offer = [box = box_](std::string f) { return box->offer(std::move(f)); };
    if (inspect_ && inspect_->handle(frame, offer))
      return pump();
    auto parsed = parse_stream_op(frame);
    if (auto* reason = std::get_if<std::string>(&parsed))
      return reply(error_json(*reason));
    apply(std::get<stream_op>(parsed));
  }

  /// Changes are published under profile ids: a subscription to any identity of a
  /// profile watches the profile.
  actors::subscription resolved(actors::subscription target) const {
    if (target.type == actors::subscription::kind::user && ctx_->resolve_user)
      target.key = ctx_->resolve_user(target.key);
    return target;
  }

  void apply(const stream_op& op) {
    if (!ctx_->publisher)
      return reply(error_json("streaming is not available on this node"));
    auto key = std::make_pair(op.target.type, op.target.key);
    if (op.subscribe) {
      if (subscriptions_.size() >= ctx_->limits.max_subscriptions && !subscriptions_.count(key))
        return reply(error_json("too many subscriptions (limit "
                                + std::to_string(ctx_->limits.max_subscriptions) + ")"));
      subscriptions_.insert(std::move(key));
      caf::anon_send(ctx_->publisher, actors::subscribe_atom::value, resolved(op.target),
                     subscriber_);
    } else {
      subscriptions_.erase(key);
      caf::anon_send(ctx_->publisher, actors::unsubscribe_atom::value, resolved(op.target),
                     subscriber_);
    }
    // The publisher has the op queued before the ack leaves, so a change published
    // after the client saw the ack is delivered.
    reply(ack_json(op));
  }

  /// Acks and errors share the bounded queue with pushed changes: a client that does not
  /// read cannot grow memory by sending ops either.
  void reply(std::string frame) {
    box_->offer(std::move(frame));
    pump();
  }

  /// Starts the next write. Overflow is checked first: the write in flight may be the
  /// one a slow client never lets finish.
  void pump() {
    if (closing_ || !box_)
      return;
    if (box_->overflowed())
      return drop_slow_consumer();
    if (writing_)
      return;
    auto frame = box_->take();
    if (!frame)
      return;
    writing_ = true;
    out_ = std::move(*frame);
    ws_.async_write(net::buffer(out_), [self = this->shared_from_this()](beast::error_code ec,
                                                                   std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec || released_)
      return release();
    if (closing_)
      return send_close();
    pump();
  }

  void drop_slow_consumer() {
    if (ctx_->on_slow_consumer)
      ctx_->on_slow_consumer(remote_);
    close_with({websocket::close_code::policy_error, std::string(slow_consumer_reason)});
  }

  /// The server stops: the client learns it from a close frame, not a reset.
  void going_away() {
    if (!closing_)
      close_with({websocket::close_code::going_away, std::string(going_away_reason)});
  }

  /// Frees the queue and the subscription at once; the close frame follows the write in
  /// flight, and the grace timer bounds how long that may take.
  void close_with(websocket::close_reason reason) {
    closing_ = true;
    close_reason_ = std::move(reason);
    box_->close();
    stop_subscriber();
    grace_.expires_after(ctx_->limits.close_grace);
    grace_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec)
        beast::get_lowest_layer(self->ws_).close();  // fails the pending I/O
    });
    if (!writing_)
      send_close();
  }

  void send_close() {
    ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code) {
      self->release();
    });
  }

  void stop_subscriber() {
    if (inspect_)
      inspect_->stop();
    if (subscriber_)
      caf::anon_send_exit(subscriber_, caf::exit_reason::user_shutdown);
    subscriber_ = nullptr;
  }

  /// Lets go of everything outside the socket: the queue, the subscriber actor (the
  /// publisher forgets it on its down message) and the grace timer. Idempotent; the
  /// session itself ends when its last pending operation completes.
  void release() {
    released_ = true;
    closing_ = true;
    if (box_)
      box_->close();
    stop_subscriber();
    grace_.cancel();
    registration_.reset();
  }

  std::shared_ptr<const stream_context> ctx_;
  websocket::stream<Stream> ws_;
  net::steady_timer grace_;
  std::shared_ptr<void> slot_;  ///< The server's connection count, held until the end.
  std::shared_ptr<void> registration_;  ///< In the server's registry until released.
  websocket::close_reason close_reason_;  ///< Sent once closing_.
  beast::flat_buffer in_;
  std::shared_ptr<outbox> box_;
  caf::actor subscriber_;
  std::optional<inspect_channel> inspect_;  ///< The console's inspect op (admin only).
  std::set<std::pair<actors::subscription::kind, std::string>> subscriptions_;
  std::string out_;         ///< The frame being written.
  std::string remote_;      ///< Peer address for the slow-consumer report.
  bool writing_ = false;
  bool closing_ = false;    ///< No more frames: a close is due or done.
  bool released_ = false;
};

bool outbox::offer(std::string frame) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (closed_ || overflowed_)
    return false;
  if (frames_.size() >= limits_.max_queued_frames
      || bytes_ + frame.size() > limits_.max_queued_bytes) {
    overflowed_ = true;
    wake_locked();
    return false;
  }
  bytes_ += frame.size();
  frames_.push_back(std::move(frame));
  wake_locked();
  return true;
}

void outbox::wake_locked() {
  if (wake_posted_ || !strand_)
    return;
  wake_posted_ = true;
  net::post(*strand_, [session = session_] {
    if (auto s = session.lock())
      s->on_wake();
  });
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

} // namespace

std::shared_ptr<void> stream_registry::enter(std::function<void()> going_away) {
  std::unique_lock<std::mutex> lock{mutex_};
  auto id = next_++;
  if (closing_) {
    lock.unlock();
    going_away();
    lock.lock();
  }
  open_.emplace(id, std::move(going_away));
  // Points at the registry only to be non-null; the deleter is what counts.
  return std::shared_ptr<void>(this, [this, id](void*) { leave(id); });
}

void stream_registry::leave(std::uint64_t id) {
  std::lock_guard<std::mutex> guard{mutex_};
  open_.erase(id);
  left_.notify_all();
}

std::size_t stream_registry::close_all(std::chrono::milliseconds deadline) {
  std::vector<std::function<void()>> told;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    closing_ = true;
    for (const auto& [id, going_away] : open_)
      told.push_back(going_away);
  }
  for (const auto& going_away : told)
    going_away();
  std::unique_lock<std::mutex> lock{mutex_};
  left_.wait_for(lock, deadline, [this] { return open_.empty(); });
  return open_.size();
}

stream_endpoint::stream_endpoint(std::shared_ptr<const stream_context> ctx)
  : ctx_(std::move(ctx)) {
}

bool stream_endpoint::accepts(const http::upgrade_request& req) const {
  return websocket::is_upgrade(req) && path_of(req.target()) == stream_path;
}

void stream_endpoint::start(beast::tcp_stream&& stream, http::upgrade_request&& req,
                            std::shared_ptr<void> slot) {
  std::make_shared<stream_session<beast::tcp_stream>>(ctx_, std::move(stream), std::move(slot))
    ->run(std::move(req));
}

void stream_endpoint::start(http::tls_stream&& stream, http::upgrade_request&& req,
                            std::shared_ptr<void> slot) {
  std::make_shared<stream_session<http::tls_stream>>(ctx_, std::move(stream), std::move(slot))
    ->run(std::move(req));
}

std::size_t stream_endpoint::close_all(std::chrono::milliseconds deadline) {
  return ctx_->sessions->close_all(deadline);
}

} // namespace cohort::api
