#pragma once

// What the WebSocket endpoint GET /v1/stream needs from the node (SPEC 4). Kept free of
// Beast so that http_server.hpp and node wiring stay cheap to compile.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace cohort::api {

struct inspect_context;
class latency_histogram;

/// Per-connection bounds: what one client can make the server hold.
struct stream_limits {
  /// Frames waiting to be written; a client that lets more pile up is dropped with close
  /// code 1008 "slow consumer: send queue full" (SPEC 4: memory never grows unbounded).
  /// A burst of more changes for one client than it can take before the socket drains
  /// also counts: size these for the largest burst one subscription may see.
  std::size_t max_queued_frames = 1024;
  std::size_t max_queued_bytes = 1 << 20;  ///< The same bound in bytes.
  std::size_t max_subscriptions = 1024;    ///< Subscriptions held by one connection.
  std::size_t max_frame_bytes = 16384;     ///< Client frames (ops are tiny).
  /// How long a dropped slow client gets to read its close frame before the socket is
  /// closed under it (its pending write cannot finish while it does not read).
  std::chrono::milliseconds close_grace{5000};
  /// A client silent this long (no frame, and no answer to the ping sent halfway) is
  /// dropped: a listening client answers pings, a half-sent frame does not. The node
  /// sets http.idle_timeout.
  std::chrono::milliseconds idle_timeout{300000};
};

/// The live /v1/stream sessions of one server, so that a stopping node sends every client
/// a close frame (1001, going away) instead of dropping its connection. Thread-safe.
class stream_registry {
public:
  /// Registers a session; `going_away` must make it close (from any thread). It counts
  /// as open until the returned token is destroyed. Registered after close_all() began,
  /// it is told to go at once.
  std::shared_ptr<void> enter(std::function<void()> going_away);

  /// Tells every open session to go, then waits until all have dropped their tokens or
  /// `deadline` has passed. Returns how many were still open.
  std::size_t close_all(std::chrono::milliseconds deadline);

private:
  void leave(std::uint64_t id);

  std::mutex mutex_;
  std::condition_variable left_;
  std::map<std::uint64_t, std::function<void()>> open_;
  std::uint64_t next_ = 0;
  bool closing_ = false;
};

/// Shared by all stream sessions of one server. The actor system must outlive the
/// http_server that uses this context: sessions terminate their subscriber actors when
/// they are destroyed, which happens as late as the server's destruction.
struct stream_context {
  caf::actor_system& system;
  caf::actor publisher;  ///< actors/publisher_actor.hpp
  stream_limits limits;
  /// Called on a server thread when a client is dropped for not reading (logs, metrics).
  std::function<void(std::string_view remote)> on_slow_consumer;
  /// Serves the console's inspect op (api/inspect_stream.hpp); null: refused.
  std::shared_ptr<const inspect_context> inspect;
  /// Records receipt-to-queued latency of pushed changes (api/metrics.hpp); may be null.
  latency_histogram* push_latency = nullptr;
  /// The profile id of a subscribed userId (identity resolution); null: the id itself.
  std::function<std::string(const std::string&)> resolve_user;
  /// The open sessions, told to go when the server stops.
  std::shared_ptr<stream_registry> sessions = std::make_shared<stream_registry>();
};

} // namespace cohort::api
