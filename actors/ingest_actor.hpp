#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/checkpoint.hpp"
#include "actors/flow_control.hpp"
#include "actors/identity_graph.hpp"
#include "actors/journal.hpp"
#include "actors/router.hpp"

namespace cohort::actors {

/// How the ingest actor commits and checkpoints.
struct ingest_options {
  std::size_t max_group_events = 20000;  ///< Largest group commit.
  std::chrono::milliseconds checkpoint_interval{0};  ///< 0 = only on request.
};

/// State of the ingest actor: requests waiting for the next group commit.
struct ingest_state {
  struct waiting {
    caf::typed_response_promise<std::uint64_t> promise;
    std::size_t count;
  };
  std::vector<waiting> pending;
  event_batch group;                 ///< Their events, in arrival order.
  keyed_writes positions;            ///< Source positions written with the group.
  std::uint64_t accepted = 0;
  checkpoint_progress progress;      ///< Positions appended, routed and checkpointed.
  bool flush_queued = false;         ///< A flush message is behind the waiting requests.
  static inline const char* name = "cohort.ingest";
};

/// Makes accepted events durable and sends them on. Each event is first resolved to its
/// profile in the identity graph (which it owns as the only writer); links it makes are
/// written in the same append, and merges are logged as transfer records before the
/// event that caused them. Requests that arrive while a write
/// is pending are committed together (group commit: one log write for many requests);
/// only after the write is durable are the events routed — one batch per user, each
/// user's order kept — and the requests acknowledged. A failed write fails every request
/// of the group, routes nothing and returns its room to `flow`. Periodically it runs a checkpoint: every directory
/// shard has its dirty sessions write their state in the background (spread over half the
/// interval, so that events are not stalled behind it), then the log is truncated behind it.
/// Spawn it detached: it blocks on disk writes.
///  - (ingest_atom, event_batch) -> uint64_t accepted, once durable
///  - (ingest_atom, event_batch, position_writes) -> the same, with a Kafka source's
///    positions written in the same append as the events (the batch may be empty)
///  - (replay_atom, event_batch) -> uint64_t routed (events already logged, at startup)
///  - (unmerge_atom, id) -> unmerge_reply: splits id's origin off its profile (logged)
///  - (checkpoint_atom) -> uint64_t: the sequence number covered (also on shutdown), as
///    fast as it goes: a background round running is hurried, then this one runs
///  - (stats_atom) -> uint64_t accepted since start
caf::behavior ingest_actor(caf::stateful_actor<ingest_state>* self, router route,
                           std::shared_ptr<journal> store, std::shared_ptr<identity_graph> graph,
                           std::shared_ptr<flow_control> flow, ingest_options options);

} // namespace cohort::actors
