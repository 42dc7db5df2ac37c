#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <caf/meta/type_name.hpp>

#include "actors/identity_graph.hpp"
#include "codecs/event.hpp"

namespace cohort::actors {

// A merge or an unmerge moves state between two session actors. It is logged among the
// events, as a record, so that a replay after a crash carries it out at the same point
// of each profile's stream: events before it reach the giver, events after it the
// receiver.

/// The log record of `plan`, made at `now_ms`.
codecs::event transfer_record(const transfer_plan& plan, std::int64_t now_ms);

/// True when `ev` is a transfer record rather than a user's event.
bool is_transfer(const codecs::event& ev);

/// The plan a transfer record carries.
transfer_plan plan_of(const codecs::event& record);

/// True when `handed` (the record a giver's state came with) belongs to the transfer
/// `awaited` the receiver waits for: the same transfer id, or on a single node (no ids)
/// the same log record.
bool same_transfer(const codecs::event& awaited, const codecs::event& handed);

/// What a cluster stores under a profile that a merge moved into `receiver`: events that
/// still reach the old profile's partition are forwarded to it (docs/cluster.md). Never
/// a valid snapshot (0xc1 is a byte msgpack never uses).
std::string forward_stub(const std::string& receiver);

/// The receiver a forward_stub() names; nullopt for snapshot bytes.
std::optional<std::string> forwarded_to(const std::string& stored);

/// What a giver hands over: state bytes of the parts moved (a profile_state snapshot,
/// "" when nothing moves) and its own state after the move, which the receiver writes
/// together with its own in one atomic write.
struct handover_reply {
  std::string given;
  std::string remaining;  ///< Empty when the giver ends (retired) or has no state.
  bool retired = false;   ///< A merge: the giver's profile ends, its snapshot is deleted.
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handover_reply& x) {
  return f(caf::meta::type_name("cohort.handover_reply"), x.given, x.remaining, x.retired);
}

/// The answer to an unmerge request: an HTTP status (200, 404, 409, 503) with a reason,
/// and on success the two profiles the unmerge left.
struct unmerge_reply {
  int status = 200;
  std::string reason;
  std::string profile;               ///< The profile the origins were taken out of.
  std::string split;                 ///< The new profile made of them.
  std::vector<std::string> origins;  ///< The origins moved.
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unmerge_reply& x) {
  return f(caf::meta::type_name("cohort.unmerge_reply"), x.status, x.reason, x.profile,
           x.split, x.origins);
}

} // namespace cohort::actors
