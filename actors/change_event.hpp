#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <msgpack.hpp>

namespace cohort::actors {

/// A change of one user's segment or tag set, or of the profile's identities (a merge or
/// an unmerge), published by the session actor (SPEC 4).
struct change_event {
  enum class kind : std::uint8_t { segment_change, tags_change, profile_merged, profile_unmerged };
  kind type = kind::segment_change;
  std::string user_id;
  std::string from;                 ///< segment_change: previous segment ("" for a new user);
                                    ///< profile_(un)merged: the other profile.
  std::string to;                   ///< Current segment (tags_change: the current segment too).
  double score = 0;
  std::vector<std::string> tags;    ///< The user's tags after the change.
  std::vector<std::string> added;   ///< tags_change: tags gained.
  std::vector<std::string> removed; ///< tags_change: tags lost.
  std::int64_t at_ms = 0;           ///< Event time of the event that caused it.
  std::string message_id;           ///< The causing event's messageId.
  std::int64_t received_ms = 0;     ///< When the causing event was received (push latency).
  std::string link;                 ///< profile_(un)merged: identify | alias | event | ...
  double confidence = 1;            ///< profile_merged: of the link (1 unless probabilistic).
  /// Its number in the profile's sequence of changes (1, 2, ...): after a failover the
  /// same events give their changes the same numbers, so a subscriber drops repeats.
  std::uint64_t seq = 0;

  // A cluster's changes topic carries them (positional; new fields last).
  MSGPACK_DEFINE(type, user_id, from, to, score, tags, added, removed, at_ms, message_id,
                 received_ms, link, confidence, seq)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, change_event& x) {
  return f(caf::meta::type_name("cohort.change_event"), x.type, x.user_id, x.from, x.to,
           x.score, x.tags, x.added, x.removed, x.at_ms, x.message_id, x.received_ms, x.link,
           x.confidence, x.seq);
}

} // namespace cohort::actors

MSGPACK_ADD_ENUM(cohort::actors::change_event::kind);
