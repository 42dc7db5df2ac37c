#pragma once

// The console inspector's live feed over /v1/stream. A client that connected with the
// admin token (`/v1/stream?token=T`, or an `Authorization: Bearer T` upgrade header)
// may send
//   {"op":"inspect","userId":"U"}   -> ack; then `{"type":"profile",...}` frames
//   {"op":"uninspect"}              -> ack; the frames stop
// A profile frame is `{"type":"profile","userId":U,"mailboxDepth":N,
// "profile":{...as GET /v1/profiles...}}`, or `"profile":null` with `"error"` while the
// user has no actor. Frames are sent when the profile changed: polled every `period`
// and fetched at once when the user's segment or tags change. One inspected user per
// connection; a new inspect op replaces the previous one.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/locator.hpp"

namespace cohort::api {

/// What inspecting needs from the node; shared by every connection.
struct inspect_context {
  actors::locator locator;  ///< Finds the inspected user wherever it lives.
  std::string admin_token;  ///< Empty: inspecting is open, like the admin API.
  std::chrono::milliseconds period{500};
  std::chrono::milliseconds timeout{5000};  ///< For each profile request.
};

/// A parsed inspect or uninspect op.
struct inspect_op {
  bool start = true;  ///< false: uninspect.
  std::string user_id;
};

/// The inspect op in `frame`; nullopt when the frame is not one (other ops are the
/// stream protocol's). A malformed inspect op yields the reason as error text.
std::optional<std::variant<inspect_op, std::string>> parse_inspect_op(std::string_view frame);

/// True when the upgrade does not come from a page of another origin (`origin` against
/// `host`), and the admin token is empty or the upgrade target's `token` query parameter
/// or the `Authorization: Bearer` header carries it (constant-time compare).
bool inspect_allowed(const inspect_context& ctx, std::string_view target,
                     std::string_view authorization, std::string_view origin,
                     std::string_view host);

/// The inspect ops of one WebSocket connection. Owned by the connection's session and
/// used on its strand only; the inspector actor it spawns feeds frames through `offer`
/// (false once the connection's queue refuses them: the actor then stops).
class inspect_channel {
public:
  using offer_fn = std::function<bool(std::string)>;

  inspect_channel(std::shared_ptr<const inspect_context> ctx, caf::actor_system& sys,
                  caf::actor publisher, bool allowed);
  ~inspect_channel();
  inspect_channel(const inspect_channel&) = delete;
  inspect_channel& operator=(const inspect_channel&) = delete;

  /// Handles `frame` when it is an inspect op: its reply (ack or error) is offered
  /// before any profile frame. False when `frame` is not an inspect op.
  bool handle(std::string_view frame, const offer_fn& offer);

  /// Stops the inspector actor. Idempotent.
  void stop();

private:
  std::shared_ptr<const inspect_context> ctx_;
  caf::actor_system& sys_;
  caf::actor publisher_;
  bool allowed_;
  caf::actor inspector_;
};

} // namespace cohort::api
