#include "actors/session_actor.hpp"

#include <iostream>

#include <caf/all.hpp>

#include "actors/publisher_actor.hpp"
#include "actors/shared_handlers.hpp"
#include "actors/transfer.hpp"
#include "codecs/time.hpp"

namespace cohort::actors {

namespace {

using session_ptr = caf::stateful_actor<session_actor_state>*;

// Long enough for a giver revived from disk behind a full mailbox; a transfer that
// times out is reported and the events stay in the log for a replay.
constexpr auto transfer_timeout = std::chrono::seconds(60);

std::string late_reason(const codecs::event& ev, const session_limits& limits) {
  return "late: event time " + codecs::format_iso8601(ev.timestamp_ms)
         + " is older than the user's latest event time minus allowed lateness ("
         + std::to_string(limits.allowed_lateness_ms / 1000) + "s)";
}

/// Numbers the changes and queues them for webhooks: durably, before this state can be
/// written (change_outbox.hpp).
void number_and_queue(session_ptr self, std::vector<change_event>& changes) {
  for (auto& change : changes)
    self->state.user->number(change);
  const auto& outbox = self->state.env->outbox;
  if (outbox && !changes.empty()) {
    if (auto queued = outbox->queue(changes); !queued)
      std::cerr << "cohortd: change outbox write for " << self->state.user->key()
                << " failed: " << queued.error().reason << std::endl;
  }
}

void publish(session_ptr self, std::vector<change_event>& changes) {
  if (!self->state.env->publisher)
    return;  // a cluster's without sinks: the outbox is the way out
  for (auto& change : changes)
    self->send(self->state.env->publisher, publish_atom::value, std::move(change));
}

void publish_all(session_ptr self, std::vector<change_event>& changes) {
  number_and_queue(self, changes);
  publish(self, changes);
}

/// Reads back the recent events let go after the last written snapshot, so that the
/// state is whole before it is written, merged, split or shown. When the snapshot cannot
/// be read (reported), the list goes on with the events held: a later snapshot loses the
/// older ones, never the state.
void complete_recent(session_ptr self) {
  auto& user = *self->state.user;
  if (!user.recent_partial())
    return;
  const auto& env = *self->state.env;
  auto stored = env.store->get_snapshot(user.key());
  auto restored = !stored   ? result<recent_events>{stored.error()}
                  : *stored ? profile_state::stored_recent(user.key(), env.limits, **stored)
                            : result<recent_events>{recent_events{env.limits.recent_events}};
  if (!restored) {
    std::cerr << "cohortd: recent events of " << user.key()
              << " not read back: " << restored.error().reason << std::endl;
    restored = recent_events{env.limits.recent_events};
  }
  user.complete_recent(std::move(*restored));
}

void apply(session_ptr self, event_batch& batch) {
  const auto& env = *self->state.env;
  if (self->state.moved_to.get() != nullptr && env.forwarder) {
    // Given away in a merge: a front whose identity replica lagged routed these here.
    ++self->state.batches;
    env.flow->release(static_cast<std::int64_t>(batch.size()));
    self->send(env.forwarder, forward_atom::value, *self->state.moved_to.get(), std::move(batch));
    return;
  }
  auto model = env.model->get();
  auto& user = *self->state.user;
  std::vector<change_event> changes;
  for (const auto& ev : batch) {
    if (user.recent_partial() && user.splits_on(ev))
      complete_recent(self);  // its recent events are copied into the parts
    auto outcome = user.apply(ev, *model, changes);
    if (outcome == session_state::outcome::late)
      self->send(env.dead_letters, dead_letter_atom::value, late_reason(ev, env.limits), ev);
    else if (outcome == session_state::outcome::duplicate && env.dedup_hits)
      ++*env.dedup_hits;
  }
  publish_all(self, changes);
  ++self->state.batches;
  env.flow->release(static_cast<std::int64_t>(batch.size()));
}

/// The profile_merged / profile_unmerged event of a transfer this actor received.
change_event identity_change(const profile_state& user, const transfer_plan& plan,
                             const codecs::event& record) {
  change_event change;
  change.type = plan.origins.empty() ? change_event::kind::profile_merged
                                     : change_event::kind::profile_unmerged;
  change.user_id = user.key();
  change.from = plan.giver;
  change.to = user.combined().segment();
  change.score = user.combined().score();
  change.tags = user.combined().tags();
  change.at_ms = record.timestamp_ms;
  change.received_ms = record.received_ms;
  change.link = plan.link;
  change.confidence = plan.confidence;
  return change;
}

/// Takes in what the giver handed over (unless this state already holds the transfer:
/// a replay), then writes this state and the giver's in one atomic write.
void receive(session_ptr self, const codecs::event& record, const handover_reply& reply) {
  const auto& env = *self->state.env;
  complete_recent(self);
  self->state.recent_mark = 0;
  auto& user = *self->state.user;
  auto plan = plan_of(record);
  std::vector<change_event> changes;
  if (!user.holds(record) && (plan.id.empty() || !user.transfer_done(plan.id))) {
    if (!reply.given.empty()) {
      auto given = profile_state::restore(plan.giver, env.limits, reply.given);
      if (given)
        user.absorb(*given, record, *env.model->get(), changes);
      else
        std::cerr << "cohortd: transfer into " << user.key() << ": " << given.error().reason
                  << std::endl;
    }
    user.mark(record);
    if (!plan.id.empty())
      user.note_transfer(plan.id);
    changes.push_back(identity_change(user, plan, record));
  }
  // Queued before the write below: that write makes these changes underivable by replay.
  number_and_queue(self, changes);
  keyed_writes writes{{user.key(), user.snapshot()}};
  if (reply.retired)
    writes.emplace_back(plan.giver, std::nullopt);
  else if (!reply.remaining.empty())
    writes.emplace_back(plan.giver, reply.remaining);
  if (auto written = env.store->put_snapshots(writes); !written)
    std::cerr << "cohortd: cannot write the transfer " << plan.giver << " -> " << user.key()
              << ": " << written.error().reason << std::endl;
  publish(self, changes);
}

/// Leaves once the directory forgets this actor: the end of a passivation, and of a
/// giver whose whole state a merge moved (no write: the receiver deleted its state).
void retire(session_ptr self) {
  // The directory is held weakly: directory and session referring to each other strongly
  // would keep both alive forever.
  auto directory = caf::actor_cast<caf::actor>(self->state.directory);
  if (!directory)
    return;
  self->request(directory, caf::infinite, passivate_atom::value, self->state.user->key(),
                self->state.batches)
    .then([=](bool released) {
      if (released)
        self->quit();
    });
}

/// Hands state to the receiver of a transfer: everything (a merge: this profile ends
/// once the receiver has written it) or the parts of the plan's origins (an unmerge).
/// Until the receiver confirms its write, this actor writes nothing of its own (it
/// awaits): a crash in between must find the old states of both on disk, not one new.
void give(session_ptr self, const codecs::event& record, const caf::actor& receiver_shard) {
  const auto& env = *self->state.env;
  complete_recent(self);
  self->state.recent_mark = 0;
  auto& user = *self->state.user;
  auto plan = plan_of(record);
  handover_reply reply;
  // A replay may reach a giver whose state is already past the record (say a merge
  // undone by a later unmerge): it gives nothing and stays.
  bool done_before = user.holds(record);
  if (plan.origins.empty() && !done_before) {
    reply.given = user.snapshot();
    reply.retired = true;
    // Given away: should this actor be reused before it leaves (a replayed unmerge
    // making it a receiver), it must start from nothing, as a new one would.
    auto key = user.key();  // emplace destroys `user` before it constructs
    self->state.user.emplace(std::move(key), env.limits);
    self->state.user->mark(record);
    // A checkpoint before it leaves must not write this empty state over what the
    // transfer writes for it (a deletion, or a cluster's forward stub).
    self->state.user->mark_saved();
    self->state.moved_to.make() = plan.receiver;
  } else if (!done_before) {
    std::vector<change_event> changes;
    auto out = user.extract(plan.origins, plan.receiver, record, *env.model->get(), changes);
    user.mark(record);
    reply.given = out.snapshot();
    reply.remaining = user.snapshot();
    publish_all(self, changes);
  } else {
    reply.remaining = user.snapshot();
  }
  auto done = [=, retired = reply.retired] {
    if (retired)
      retire(self);
  };
  self->request(receiver_shard, transfer_timeout, handed_atom::value, record, std::move(reply))
    .await([=](bool) { done(); },
           [=](caf::error& err) {
             std::cerr << "cohortd: transfer " << record.previous_id << " -> " << record.user_id
                       << " not confirmed: " << self->system().render(err) << std::endl;
             done();
           });
}

caf::result<caf::message> dispatch(caf::scheduled_actor* actor, caf::message_view& view);

/// The receiving side of a transfer: nothing else is processed (messages wait in the
/// mailbox, in order) until the giver's state for this record arrives.
void await_state(session_ptr self, const codecs::event& record) {
  auto resume = [=] {
    self->unbecome();
    self->set_default_handler(dispatch);
  };
  self->set_default_handler(caf::skip);
  self->become(
    caf::keep_behavior,
    [=](handed_atom, const codecs::event& handed, const handover_reply& reply)
      -> caf::result<bool> {
      if (!same_transfer(record, handed))
        return caf::skip;  // another transfer's state: after this one
      receive(self, record, reply);
      resume();
      return true;
    },
    caf::after(transfer_timeout) >> [=] {
      std::cerr << "cohortd: transfer " << record.previous_id << " -> " << record.user_id
                << " timed out waiting for the state; the log keeps it for a replay"
                << std::endl;
      resume();
    });
}

/// Writes the state if events were applied since the last write.
result<bool> save(session_ptr self) {
  auto& user = *self->state.user;
  if (!user.dirty())
    return true;
  complete_recent(self);
  return self->state.env->store->put_snapshot(user.key(), user.snapshot());
}

/// Writes the state, then leaves once the directory confirms no batch is on its way.
void passivate(session_ptr self) {
  if (auto saved = save(self); !saved) {
    // Staying alive keeps the state; the directory asks again after its next sweep.
    std::cerr << "cohortd: cannot passivate " << self->state.user->key() << ": "
              << saved.error().reason << std::endl;
    return;
  }
  retire(self);
}

/// The session's handlers (see the header for the protocol), tried in turn for each
/// message: built once for all sessions (shared_handlers.hpp).
caf::result<caf::message> dispatch(caf::scheduled_actor* actor, caf::message_view& view) {
  auto self = static_cast<session_ptr>(actor);
  std::optional<caf::result<caf::message>> out;
  handle<apply_atom, event_batch>(self, view, out,
                                  [](session_ptr self, event_batch& batch) { apply(self, batch); });
  handle<transfer_atom, codecs::event>(self, view, out, [](session_ptr self, codecs::event& record) {
    ++self->state.batches;  // the directory counts transfers as routed batches
    // A repeated record of a transfer already received (a producer retry) is dropped:
    // its state will not come again.
    auto id = plan_of(record).id;
    if (id.empty() || !self->state.user->transfer_done(id))
      await_state(self, record);
  });
  // A giver's state nobody awaits: a repeat of one already received.
  handle<handed_atom, codecs::event, handover_reply>(
    self, view, out, [](session_ptr, codecs::event&, handover_reply&) { return true; });
  handle<handover_atom, codecs::event, caf::actor>(
    self, view, out, [](session_ptr self, codecs::event& record, caf::actor& receiver_shard) {
      give(self, record, receiver_shard);
    });
  handle<profile_atom>(self, view, out, [](session_ptr self) {
    complete_recent(self);  // held until the next snapshot is written
    auto p = self->state.user->combined().view(*self->state.env->model->get());
    p.profile_id = self->state.user->key();
    return p;
  });
  handle<summary_atom>(self, view, out, [](session_ptr self) {
    const auto& user = self->state.user->combined();
    const auto values = user.features(*self->state.env->model->get());
    return profile_summary{user.segment(), user.score(), user.tags(), user.events(),
                           user.latest_ms(), self->mailbox().size(),
                           {values.numbers.begin(), values.numbers.end()}};
  });
  handle<snapshot_atom>(self, view, out, [](session_ptr self) {
    // The directory writes many sessions' bytes in one batch (one write per session
    // made checkpoints of 100k users take seconds).
    auto& user = *self->state.user;
    if (!user.dirty())
      return std::string{};
    complete_recent(self);
    self->state.recent_mark = user.recent_mark();
    return user.snapshot();
  });
  handle<unsaved_atom>(self, view, out, [](session_ptr self) {
    self->state.recent_mark = 0;
    self->state.user->mark_unsaved();
  });
  handle<saved_atom>(self, view, out, [](session_ptr self) {
    if (auto mark = std::exchange(self->state.recent_mark, 0); mark != 0)
      self->state.user->release_recent(mark);
  });
  handle<passivate_atom>(self, view, out, [](session_ptr self) { passivate(self); });
  if (out)
    return std::move(*out);
  return caf::print_and_drop(actor, view);
}

} // namespace

caf::behavior session_actor(session_ptr self, std::shared_ptr<const session_env> env,
                            caf::actor_addr directory, profile_state initial) {
  // Nothing per actor but the state: the environment is the shard's, the handlers are
  // everyone's (a behavior of lambdas cost each live session ~0.5 KiB).
  self->state.env = std::move(env);
  self->state.directory = std::move(directory);
  self->state.user.emplace(std::move(initial));
  self->set_default_handler(dispatch);
  return shared_behavior();
}

} // namespace cohort::actors
