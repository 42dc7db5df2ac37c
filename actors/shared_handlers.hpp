#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include <caf/behavior.hpp>
#include <caf/message.hpp>
#include <caf/message_view.hpp>
#include <caf/result.hpp>
#include <caf/scheduled_actor.hpp>

namespace cohort::actors {

/// Message handlers built once for every actor of a kind, not once per actor.
///
/// A CAF 0.17 behavior is a heap object per actor: each handler a match case holding its
/// captures (~50 bytes per handler with `self`), which a million live session actors pay
/// a million times. Instead, an actor runs under one `shared_behavior()` that matches
/// nothing, and its default handler (a plain function pointer, stored inline in the
/// actor) tries the kind's handlers in turn with `handle()`. A handler is a captureless
/// function taking the actor first, then the message's elements after its atom.
///
/// Programmer errors (a pattern no handler takes) reach `caf::print_and_drop`, as with
/// a behavior.

/// The behavior every such actor runs under: one case that no message can match (its
/// type is private), so that each message reaches the default handler. Shared by all.
caf::behavior shared_behavior();

namespace detail {

template <class Self, class F, class... Ts, std::size_t... Is>
auto call_with(Self self, F& f, caf::type_erased_tuple& xs, std::index_sequence<Is...>) {
  return f(self, xs.get_mutable_as<std::decay_t<Ts>>(Is + 1)...);
}

} // namespace detail

/// Runs `f(self, elements...)` when `view` holds (Atom, Ts...), and stores its reply in
/// `out` (an empty message for a void handler, as CAF answers a request). Elements are
/// passed as mutable references; a message shared with other receivers is copied first,
/// as CAF does before calling a handler that takes non-const references.
template <class Atom, class... Ts, class Self, class F>
bool handle(Self self, caf::message_view& view, std::optional<caf::result<caf::message>>& out,
            F f) {
  static_assert(std::is_empty<F>::value, "shared handlers capture nothing");
  if (out || !view.content().template match_elements<Atom, Ts...>())
    return false;
  caf::message detached;
  caf::type_erased_tuple* xs = &view.content();
  if (xs->shared()) {
    detached = view.copy_content_to_message();
    xs = &detached.content();
  }
  using reply = decltype(detail::call_with<Self, F, Ts...>(self, f, *xs,
                                                           std::index_sequence_for<Ts...>{}));
  if constexpr (std::is_void<reply>::value) {
    detail::call_with<Self, F, Ts...>(self, f, *xs, std::index_sequence_for<Ts...>{});
    out.emplace(caf::message{});
  } else {
    out.emplace(caf::make_message(
      detail::call_with<Self, F, Ts...>(self, f, *xs, std::index_sequence_for<Ts...>{})));
  }
  return true;
}

} // namespace cohort::actors
