#include "api/inspect_stream.hpp"

#include <simdjson.h>

#include <caf/all.hpp>

#include "actors/directory_actor.hpp"
#include "actors/messages.hpp"
#include "actors/publisher_actor.hpp"
#include "codecs/json_writer.hpp"
#include "http/auth.hpp"
#include "api/cors_policy.hpp"
#include "http/http_types.hpp"
#include "api/profile_json.hpp"
#include "api/stream_protocol.hpp"

namespace cohort::api {

using namespace cohort::http;

namespace {

using inspect_atom = caf::atom_constant<caf::atom("inspect")>;
using uninspect_atom = caf::atom_constant<caf::atom("uninspect")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

struct inspector_state {
  std::shared_ptr<const inspect_context> ctx;
  caf::actor publisher;
  inspect_channel::offer_fn offer;
  std::string user;             ///< Inspected user; empty: none.
  std::uint64_t generation = 0; ///< Bumped per inspect op: stale replies and ticks are dropped.
  bool fetching = false;        ///< A profile request is in flight.
  bool refetch = false;         ///< Something changed while it was: fetch again after it.
  std::string last_frame;       ///< Sent last; an identical frame is not sent again.
  static inline const char* name = "cohort.inspector";
};

using inspector_actor_t = caf::stateful_actor<inspector_state>;

std::string profile_frame(const std::string& user, const actors::profile* p,
                          std::uint64_t mailbox_depth, const std::string& error) {
  codecs::json_writer w;
  w.begin_object().key("type").value("profile").key("userId").value(user);
  w.key("mailboxDepth").value(mailbox_depth).key("profile");
  if (p)
    w.raw(profile_json(*p));
  else
    w.null().key("error").value(error);
  w.end_object();
  return w.take();
}

void fetch(inspector_actor_t* self);

/// Sends `frame` unless it repeats the last one, then serves a fetch that was asked for
/// while this one was in flight.
void finish(inspector_actor_t* self, std::uint64_t generation, std::string frame) {
  auto& st = self->state;
  st.fetching = false;
  if (generation != st.generation) {
    st.refetch = false;
    return fetch(self);  // the user changed meanwhile: fetch the new one
  }
  if (frame != st.last_frame) {
    st.last_frame = frame;
    if (!st.offer(std::move(frame)))
      return self->quit();  // the connection is being dropped as a slow consumer
  }
  if (std::exchange(st.refetch, false))
    fetch(self);
}

void fetch(inspector_actor_t* self) {
  auto& st = self->state;
  if (st.user.empty())
    return;
  if (st.fetching) {
    st.refetch = true;
    return;
  }
  st.fetching = true;
  const auto gen = st.generation;
  const auto user = st.user;
  const auto& locator = st.ctx->locator;
  const auto timeout = st.ctx->timeout;
  self->request(locator, timeout, actors::profile_atom::value, user)
    .then(
      [=](actors::profile& p) {
        self->request(locator, timeout, actors::summary_atom::value, user)
          .then(
            [=](actors::profile_summary& s) {
              finish(self, gen, profile_frame(user, &p, s.mailbox_depth, {}));
            },
            [=](caf::error&) { finish(self, gen, profile_frame(user, &p, 0, {})); });
      },
      [=](caf::error& e) {
        auto why = actors::is(e, actors::errc::unknown_user) ? "no live actor for this user"
                                                             : self->system().render(e);
        finish(self, gen, profile_frame(user, nullptr, 0, why));
      });
}

void forget_user(inspector_actor_t* self) {
  auto& st = self->state;
  if (!st.user.empty() && st.publisher)
    self->send(st.publisher, actors::unsubscribe_atom::value,
               actors::subscription{actors::subscription::kind::user, st.user},
               caf::actor_cast<caf::actor>(self));
  st.user.clear();
  st.last_frame.clear();
  ++st.generation;
}

/// Polls the inspected user's profile every period and at once on its segment or tag
/// changes (it subscribes to them at the publisher).
caf::behavior inspector_actor(inspector_actor_t* self, std::shared_ptr<const inspect_context> ctx,
                              caf::actor publisher, inspect_channel::offer_fn offer) {
  self->state.ctx = std::move(ctx);
  self->state.publisher = std::move(publisher);
  self->state.offer = std::move(offer);
  return {
    [=](inspect_atom, const std::string& user) {
      forget_user(self);
      auto& st = self->state;
      st.user = user;
      if (st.publisher)
        self->send(st.publisher, actors::subscribe_atom::value,
                   actors::subscription{actors::subscription::kind::user, user},
                   caf::actor_cast<caf::actor>(self));
      fetch(self);
      self->delayed_send(self, st.ctx->period, tick_atom::value, st.generation);
    },
    [=](uninspect_atom) { forget_user(self); },
    [=](tick_atom, std::uint64_t generation) {
      auto& st = self->state;
      if (generation != st.generation || st.user.empty())
        return;
      fetch(self);
      self->delayed_send(self, st.ctx->period, tick_atom::value, generation);
    },
    [=](const actors::change_event&) { fetch(self); },
  };
}

std::string inspect_ack(const inspect_op& op) {
  codecs::json_writer w;
  w.begin_object().key("type").value("ack").key("op").value(op.start ? "inspect" : "uninspect");
  if (op.start)
    w.key("userId").value(op.user_id);
  w.end_object();
  return w.take();
}

} // namespace

std::optional<std::variant<inspect_op, std::string>> parse_inspect_op(std::string_view frame) {
  thread_local simdjson::dom::parser parser;
  const simdjson::padded_string padded(frame);
  simdjson::dom::object obj;
  std::string_view op;
  if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS
      || obj["op"].get_string().get(op) != simdjson::SUCCESS
      || (op != "inspect" && op != "uninspect"))
    return std::nullopt;  // not ours: the stream protocol answers it
  if (op == "uninspect")
    return inspect_op{false, {}};
  std::string_view user;
  if (obj["userId"].get_string().get(user) != simdjson::SUCCESS || user.empty())
    return std::string("inspect needs a non-empty string userId");
  return inspect_op{true, std::string(user)};
}

bool inspect_allowed(const inspect_context& ctx, std::string_view target,
                     std::string_view authorization, std::string_view origin,
                     std::string_view host) {
  // Browsers let any page open a WebSocket anywhere: the Origin header is the only sign.
  if (is_cross_origin(origin, host))
    return false;
  if (ctx.admin_token.empty())
    return true;
  http_request req;
  if (auto q = target.find('?'); q != std::string_view::npos)
    req.query = std::string(target.substr(q + 1));
  auto token = req.param("token");
  if (!token.empty() && constant_time_equal(ctx.admin_token, token))
    return true;
  return !authorization.empty() && bearer_allowed(ctx.admin_token, authorization);
}

inspect_channel::inspect_channel(std::shared_ptr<const inspect_context> ctx,
                                 caf::actor_system& sys, caf::actor publisher, bool allowed)
  : ctx_(std::move(ctx)), sys_(sys), publisher_(std::move(publisher)), allowed_(allowed) {
}

inspect_channel::~inspect_channel() {
  stop();
}

bool inspect_channel::handle(std::string_view frame, const offer_fn& offer) {
  auto parsed = parse_inspect_op(frame);
  if (!parsed)
    return false;
  if (auto* why = std::get_if<std::string>(&*parsed)) {
    offer(error_json(*why));
    return true;
  }
  if (!allowed_) {
    offer(error_json("inspect needs the admin token: connect to /v1/stream?token=..."));
    return true;
  }
  const auto& op = std::get<inspect_op>(*parsed);
  // The ack goes first so that the client sees it before the first profile frame.
  offer(inspect_ack(op));
  if (!inspector_ && op.start)
    inspector_ = sys_.spawn(inspector_actor, ctx_, publisher_, offer);
  if (!inspector_)
    return true;
  if (op.start)
    caf::anon_send(inspector_, inspect_atom::value, op.user_id);
  else
    caf::anon_send(inspector_, uninspect_atom::value);
  return true;
}

void inspect_channel::stop() {
  if (inspector_)
    caf::anon_send_exit(inspector_, caf::exit_reason::user_shutdown);
  inspector_ = nullptr;
}

} // namespace cohort::api
