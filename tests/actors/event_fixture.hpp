#pragma once

// Events as the ingest path hands them to the actors, for actor tests.

#include <cstdint>
#include <string>
#include <utility>

#include "codecs/event.hpp"

namespace cohort::test {

/// An event of `user` with messageId `id`, of `type`, numbered `seq` in the log (0: none).
inline codecs::event event_of(std::string user, std::string id, std::string type,
                              std::uint64_t seq = 0) {
  codecs::event ev;
  ev.user_id = std::move(user);
  ev.message_id = std::move(id);
  ev.type = std::move(type);
  ev.seq = seq;
  return ev;
}

/// A click of `user`, numbered `seq` in the log.
inline codecs::event click(std::string user, std::string id, std::uint64_t seq) {
  return event_of(std::move(user), std::move(id), "click", seq);
}

} // namespace cohort::test
