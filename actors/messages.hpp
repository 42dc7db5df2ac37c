#pragma once

// The vocabulary the actors speak: atoms, error codes and inspect() overloads for the
// types that travel in messages (inspectable so that the cluster can ship them later).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include "codecs/event.hpp"

namespace cohort::actors {

using event_batch = std::vector<codecs::event>;

using ingest_atom = caf::atom_constant<caf::atom("ingest")>;    ///< HTTP -> ingest actor.
using route_atom = caf::atom_constant<caf::atom("route")>;      ///< ingest -> directory.
using apply_atom = caf::atom_constant<caf::atom("apply")>;      ///< directory -> session.
using profile_atom = caf::atom_constant<caf::atom("profile")>;  ///< query one user's state.
using summary_atom = caf::atom_constant<caf::atom("summary")>;  ///< segment/score/tags only.
using list_atom = caf::atom_constant<caf::atom("list")>;  ///< live user keys of a shard.
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;    ///< write dirty state.
using resume_atom = caf::atom_constant<caf::atom("resume")>;  ///< paused work goes on.
using unsaved_atom = caf::atom_constant<caf::atom("unsaved")>;  ///< a snapshot was not written.
using saved_atom = caf::atom_constant<caf::atom("saved")>;  ///< a snapshot was written.
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;  ///< idle session leaves.
using checkpoint_atom = caf::atom_constant<caf::atom("checkpnt")>;  ///< snapshot + truncate.
using replay_atom = caf::atom_constant<caf::atom("replay")>;        ///< logged events, again.
using stats_atom = caf::atom_constant<caf::atom("stats")>;      ///< counters of an actor.
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;    ///< move state in (merge).
using handover_atom = caf::atom_constant<caf::atom("handover")>;    ///< give state out.
using handed_atom = caf::atom_constant<caf::atom("handed")>;        ///< the state moved.
using unmerge_atom = caf::atom_constant<caf::atom("unmerge")>;      ///< split a profile.
using forward_atom = caf::atom_constant<caf::atom("forward")>;      ///< to a merged profile.
using prune_atom = caf::atom_constant<caf::atom("prune")>;  ///< apply dead-letter retention.
using outcome_atom = caf::atom_constant<caf::atom("outcome")>;  ///< outcomes -> learner.
using models_atom = caf::atom_constant<caf::atom("models")>;    ///< the learned score's state.
using rollback_atom = caf::atom_constant<caf::atom("rollback")>;  ///< previous learned version.
using feedback_atom = caf::atom_constant<caf::atom("feedback")>;  ///< feedback log -> learner.
using unheard_atom = caf::atom_constant<caf::atom("unheard")>;  ///< a request's record is lost.

/// One profile's events within a routed group.
struct keyed_batch {
  std::string key;
  event_batch events;
};

/// What the ingest actor sends a directory shard per group commit: every profile's
/// events of that shard in one message, rather than one message per profile.
using shard_batch = std::vector<keyed_batch>;

/// A Kafka source's next offsets as (meta key, value): the ingest actor writes them in the
/// same write as the events that came before them (connectors/source_positions.hpp).
using position_writes = std::vector<std::pair<std::string, std::string>>;

/// Errors that cross actor boundaries as values (category atom "cohort").
enum class errc : std::uint8_t {
  unknown_user = 1,  ///< No state exists for the requested user key.
  overloaded,        ///< A bounded queue is full; the caller should retry later.
  moving,            ///< The user's partition has no serving owner now; retry later.
};

/// Wraps `code` into a CAF error of category "cohort".
inline caf::error make_error(errc code) {
  return caf::error{static_cast<std::uint8_t>(code), caf::atom("cohort")};
}

/// True when `err` carries `code`.
inline bool is(const caf::error& err, errc code) {
  return err.category() == caf::atom("cohort") && err.code() == static_cast<std::uint8_t>(code);
}

} // namespace cohort::actors

namespace cohort::codecs {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, value& x) {
  return f(caf::meta::type_name("cohort.value"), x.type, x.number, x.text);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attribute& x) {
  return f(caf::meta::type_name("cohort.attribute"), x.key, x.val);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("cohort.event"), x.message_id, x.user_id, x.anonymous_id,
           x.call, x.type, x.name, x.previous_id, x.session_id, x.timestamp_ms, x.received_ms,
           x.properties, x.traits, x.context, x.seq, x.profile_id, x.origin, x.partition);
}

} // namespace cohort::codecs

namespace cohort::actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, keyed_batch& x) {
  return f(caf::meta::type_name("cohort.keyed_batch"), x.key, x.events);
}

} // namespace cohort::actors
