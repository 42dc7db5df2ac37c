#include "actors/directory_actor.hpp"

#include <algorithm>
#include <iostream>
#include <memory>

#include <caf/all.hpp>

#include "actors/transfer.hpp"

namespace cohort::actors {

namespace {

using directory_ptr = caf::stateful_actor<directory_state>*;

/// Marks an entry as just used: last to go when the shard is over its cap.
void touch(directory_state& st, directory_entry& entry) {
  entry.used = ++st.clock;
  entry.evicting = false;
}

/// Forgets the key's entry (passivated or down).
void forget(directory_state& st, const std::string& key, const directory_entry& entry) {
  st.keys.erase(entry.session.id());
  st.sessions.erase(key);
}

/// Entries compared when the cap picks one to evict. Exact LRU order cost every live
/// user a list node (~64 bytes) and every routed batch a splice (~4% of the CPU at max),
/// so the least recently used of a sample goes, as Redis approximates LRU; a shard with
/// this many sessions or fewer is compared whole (exact).
constexpr std::size_t eviction_sample = 16;

/// The least recently used of up to eviction_sample entries not already evicting, read
/// row by row from a random one; nullptr when every entry is evicting.
directory_entry* eviction_candidate(directory_state& st) {
  auto& rows = st.sessions.rows();
  if (rows.empty())
    return nullptr;
  directory_entry* oldest = nullptr;
  std::size_t seen = 0;
  auto r = static_cast<std::size_t>(st.sampler()) % rows.size();
  for (std::size_t walked = 0; walked < rows.size() && seen < eviction_sample; ++walked) {
    auto& entry = rows[r].value;
    if (!entry.evicting) {
      ++seen;
      if (oldest == nullptr || entry.used < oldest->used)
        oldest = &entry;
    }
    r = (r + 1) % rows.size();
  }
  return oldest;
}

/// Over the cap (a burst of new users), a least recently used session is told to
/// passivate: it writes its state and goes like an idle one, so memory stays bounded.
/// It is not picked again until it goes, unless it is used meanwhile or its passivation
/// is refused.
void evict_over_cap(directory_ptr self) {
  auto& st = self->state;
  const auto cap = st.env->max_live;
  if (cap == 0 || st.sessions.size() <= cap)
    return;
  auto* entry = eviction_candidate(st);
  if (entry == nullptr)
    return;
  entry->evicting = true;
  ++st.evictions;
  self->send(entry->session, passivate_atom::value);
}

/// The key's entry: live, else revived from its snapshot, else (when `create`) new.
/// Nullptr when there is no such user, its snapshot cannot be read (reported), or a merge
/// moved it into another profile (a cluster's forward stub: `moved_to` names that one).
directory_entry* find_or_spawn(directory_ptr self, const std::string& key, bool create,
                               std::string* moved_to = nullptr) {
  auto& st = self->state;
  if (auto* entry = st.sessions.find(key)) {
    touch(st, *entry);
    return entry;
  }
  auto stored = st.env->store->get_snapshot(key);
  if (!stored) {
    std::cerr << "cohortd: cannot read state of " << key << ": " << stored.error().reason
              << std::endl;
    return nullptr;
  }
  if (!*stored && !create)
    return nullptr;
  if (*stored) {
    if (auto target = forwarded_to(**stored)) {
      if (moved_to != nullptr)
        *moved_to = std::move(*target);
      return nullptr;
    }
  }
  auto initial = *stored ? profile_state::restore(key, st.env->limits, **stored)
                         : result<profile_state>{profile_state{key, st.env->limits}};
  if (!initial) {
    std::cerr << "cohortd: " << initial.error().reason << std::endl;
    return nullptr;
  }
  auto session = self->spawn(session_actor, st.env, self->address(),
                             std::move(*initial));
  self->monitor(session);
  st.keys.emplace(session.id(), key);
  ++st.spawned;
  auto* entry = &st.sessions.insert(key);
  entry->session = std::move(session);
  touch(st, *entry);
  evict_over_cap(self);
  return entry;
}

/// Hands a query to the key's session actor, whose reply goes straight to the asker.
template <class Result, class Atom>
caf::result<Result> forward_query(directory_ptr self, const std::string& key, Atom atom) {
  auto* entry = find_or_spawn(self, key, false);
  if (entry == nullptr)
    return make_error(errc::unknown_user);
  self->delegate(entry->session, atom);
  return caf::delegated<Result>{};
}

/// Up to `limit` live keys containing `filter`, sorted, starting after `after` (paging).
std::vector<std::string> list_keys(const key_table<directory_entry>& sessions,
                                   const std::string& filter, const std::string& after,
                                   std::uint32_t limit) {
  std::vector<std::string> keys;
  for (const auto& row : sessions.rows())
    if (row.key > after && row.key.find(filter) != std::string::npos)
      keys.push_back(row.key);
  auto n = std::min<std::size_t>(keys.size(), limit);
  std::partial_sort(keys.begin(), keys.begin() + n, keys.end());
  keys.resize(n);
  return keys;
}

} // namespace

/// One snapshot round: the sessions with unwritten state are asked for their bytes a
/// slice at a time, and each slice's bytes written in one batch.
struct snapshot_round {
  /// A session to ask, and the `routed` count its state will cover.
  struct member {
    std::string key;
    caf::actor session;
    std::uint64_t routed;
  };
  std::uint64_t id = 0;
  std::vector<caf::typed_response_promise<bool>> promises;  ///< Answered when it ends.
  caf::timespan spread{0};  ///< Zero: urgent, no pauses.
  std::vector<member> todo;
  std::size_t next = 0;  ///< todo[next...] not asked yet.
  std::size_t in_flight = 0;
  bool paused = false;
  bool failed = false;
  keyed_writes writes;
  std::vector<member> answered;  ///< Their bytes (if any) are in `writes`.
  /// Asked while this round runs: the next round's askers, and its spread.
  std::vector<caf::typed_response_promise<bool>> queued;
  caf::timespan queued_spread = caf::timespan::max();
};

namespace {

/// Sessions asked at once when urgent. The scheduler (worker_pool) runs ready actors first
/// come, first served: asking 100k sessions at once would put everything else behind
/// 100k jobs (seconds of stalled acknowledgements); a slice keeps it behind this many.
constexpr std::size_t urgent_slice = 1024;

/// Sessions asked at once in the background: ~1 ms of snapshot jobs and one small write
/// ahead of the events routed meanwhile.
constexpr std::size_t background_slice = 64;

/// The entry of `m`, if it still holds the same actor: one passivated meanwhile and
/// revived is another actor whose `routed` counts other batches.
directory_entry* entry_of(directory_ptr self, const snapshot_round::member& m) {
  auto* entry = self->state.sessions.find(m.key);
  return entry != nullptr && entry->session == m.session ? entry : nullptr;
}

/// Writes the collected snapshots; marks their sessions clean, or unsaved on failure.
void write_slice(directory_ptr self, snapshot_round& round) {
  auto written = round.writes.empty() ? result<bool>{true}
                                      : self->state.env->store->put_snapshots(round.writes);
  if (!written) {
    std::cerr << "cohortd: checkpoint snapshot write failed: " << written.error().reason
              << std::endl;
    round.failed = true;
  }
  for (const auto& m : round.answered) {
    if (auto* entry = entry_of(self, m)) {
      entry->writing = false;
      if (written)
        entry->clean_at = std::max(entry->clean_at, m.routed);
    }
    if (written)
      self->send(m.session, saved_atom::value);  // its recent events may go (session_actor)
    else
      self->send(m.session, unsaved_atom::value);
  }
  round.writes.clear();
  round.answered.clear();
}

void continue_round(directory_ptr self, const std::shared_ptr<snapshot_round>& round);

/// Asks todo[next] for its bytes; false when it left meanwhile (a passivation, which
/// wrote its state; a failure failed the round when it went down).
bool ask_next(directory_ptr self, const std::shared_ptr<snapshot_round>& round) {
  auto m = round->todo[round->next++];
  auto* entry = entry_of(self, m);
  if (entry == nullptr)
    return false;
  entry->queued = false;
  entry->writing = true;  // held until written: passivation would skip its write
  ++round->in_flight;
  // No timeout: a session answers once earlier messages are processed (a pending
  // transfer has its own), and a request to a dead one fails at once.
  self->request(m.session, caf::infinite, snapshot_atom::value)
    .then(
      [=](std::string& bytes) mutable {
        if (!bytes.empty())
          round->writes.emplace_back(m.key, std::move(bytes));
        round->answered.push_back(std::move(m));
        if (--round->in_flight == 0)
          continue_round(self, round);
      },
      [=](caf::error&) {
        if (auto* entry = entry_of(self, m))
          entry->writing = false;
        round->failed = true;
        if (--round->in_flight == 0)
          continue_round(self, round);
      });
  return true;
}

void start_round(directory_ptr self, std::vector<caf::typed_response_promise<bool>> promises,
                 caf::timespan spread);

/// Answers the round's askers, then starts the round asked for meanwhile, if any.
void finish_round(directory_ptr self, snapshot_round& round) {
  for (auto& promise : round.promises) {
    if (round.failed)
      promise.deliver(caf::make_error(caf::sec::runtime_error, "a snapshot failed"));
    else
      promise.deliver(true);
  }
  auto queued = std::move(round.queued);
  auto spread = round.queued_spread;
  self->state.round = nullptr;  // may be the last owner of `round`
  if (!queued.empty())
    start_round(self, std::move(queued), spread);
}

/// Called with no session asked: writes the last slice, then asks the next slice, now
/// or after the pause that spreads the round, or finishes the round.
void continue_round(directory_ptr self, const std::shared_ptr<snapshot_round>& round) {
  write_slice(self, *round);
  auto left = round->todo.size() - round->next;
  if (left == 0) {
    finish_round(self, *round);
    return;
  }
  auto slice = round->spread.count() == 0 ? urgent_slice : background_slice;
  if (round->next != 0 && round->spread.count() != 0 && !round->paused) {
    // The same pause after each slice spreads the slices evenly over `spread`.
    auto slices = (round->todo.size() + slice - 1) / slice;
    round->paused = true;
    self->delayed_send(self, round->spread / static_cast<std::int64_t>(slices),
                      resume_atom::value, round->id);
    return;
  }
  round->paused = false;
  for (std::size_t asked = 0; asked < slice && round->next < round->todo.size();)
    asked += ask_next(self, round) ? 1 : 0;
  if (round->in_flight == 0)  // all the rest left meanwhile
    continue_round(self, round);
}

/// Starts a round over every session with unwritten state (none may be in another
/// round's write: rounds run one at a time).
void start_round(directory_ptr self, std::vector<caf::typed_response_promise<bool>> promises,
                 caf::timespan spread) {
  auto& st = self->state;
  auto round = std::make_shared<snapshot_round>();
  round->id = ++st.rounds;
  round->promises = std::move(promises);
  round->spread = spread;
  for (auto& [key, entry] : st.sessions.rows()) {
    if (entry.routed == entry.clean_at)
      continue;
    entry.queued = true;
    round->todo.push_back({key, entry.session, entry.routed});
  }
  st.round = round;
  continue_round(self, round);
}

/// Starts a round, or queues the request behind the running one (hurried when urgent).
caf::result<bool> snapshot_all(directory_ptr self, caf::timespan spread) {
  auto promise = self->make_response_promise<bool>();
  auto round = self->state.round;
  if (round == nullptr) {
    start_round(self, {promise}, spread);
    return promise;
  }
  round->queued.push_back(promise);
  round->queued_spread = std::min(round->queued_spread, spread);
  if (spread.count() == 0) {
    round->spread = spread;
    if (round->paused)
      continue_round(self, round);
  }
  return promise;
}

/// Sends a message to `entry`'s session as one more routed batch: the snapshot round
/// (`routed`) and the idle sweep (`touched`, `asked`) count on these marks.
template <class... Ts>
void deliver(directory_ptr self, directory_entry& entry, Ts&&... xs) {
  ++entry.routed;
  entry.touched = true;
  entry.asked = false;
  self->send(entry.session, std::forward<Ts>(xs)...);
}

/// Sends `batch` to the key's session actor, spawned or revived on demand.
void route_one(directory_ptr self, const std::string& key, event_batch&& batch) {
  std::string moved_to;
  auto* entry = find_or_spawn(self, key, true, &moved_to);
  if (entry == nullptr && !moved_to.empty() && self->state.env->forwarder) {
    // Routed here by a front whose identity replica had not seen the merge yet: the
    // receiving profile's partition takes them (and their room in flow control).
    self->state.env->flow->release(static_cast<std::int64_t>(batch.size()));
    self->send(self->state.env->forwarder, forward_atom::value, std::move(moved_to),
               std::move(batch));
    return;
  }
  if (entry == nullptr) {
    // Unreadable state: the events stay in the log and are replayed after a fix.
    self->state.env->flow->release(static_cast<std::int64_t>(batch.size()));
    return;
  }
  deliver(self, *entry, apply_atom::value, std::move(batch));
}

/// Starts loading the lines of `session` that a send reads first: its control block
/// (reference counts), its header and its mailbox. A hint; it never fails or faults.
void prefetch_actor(const caf::actor& session) {
  auto* actor = caf::actor_cast<caf::abstract_actor*>(session);
  __builtin_prefetch(caf::actor_cast<caf::actor_control_block*>(session), 1);
  __builtin_prefetch(actor, 1);
  __builtin_prefetch(&static_cast<caf::scheduled_actor*>(actor)->mailbox(), 1);
}

/// Sends each key's events of `batches` to its session. The live sessions are found
/// first and their actors prefetched, all before the first send: sent one after another,
/// each send waited for its own cold actor's cache miss (route_one's hottest instruction
/// at max throughput, 91 % of its samples and 5 % of cohortd's). The keys without a live
/// session follow, since spawning one moves the entries found; a key's events keep
/// their order, as a key is either live for all its batches here or for none.
void route_batches(directory_ptr self, shard_batch& batches) {
  auto& st = self->state;
  std::vector<directory_entry*> live(batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i) {
    live[i] = st.sessions.find(batches[i].key);
    if (live[i] != nullptr)
      prefetch_actor(live[i]->session);
  }
  for (std::size_t i = 0; i < batches.size(); ++i) {
    if (live[i] == nullptr)
      continue;
    touch(st, *live[i]);
    deliver(self, *live[i], apply_atom::value, std::move(batches[i].events));
  }
  for (std::size_t i = 0; i < batches.size(); ++i)
    if (live[i] == nullptr)
      route_one(self, batches[i].key, std::move(batches[i].events));
}

/// `d` as a std::chrono duration (CAF 0.17's duration only adds to time points).
caf::timespan span_of(caf::duration d) {
  std::chrono::steady_clock::time_point t{};
  t += d;
  return t.time_since_epoch();
}

/// Tells sessions idle since the previous sweep to passivate, then arms the next sweep.
void sweep(directory_ptr self) {
  for (auto& [key, entry] : self->state.sessions.rows()) {
    // Still here a sweep after being asked (its write failed, say): ask again next time.
    if (!entry.touched && !std::exchange(entry.asked, !entry.asked))
      self->send(entry.session, passivate_atom::value);
    entry.touched = false;
  }
  self->delayed_send(self, span_of(self->state.env->passivate_after), passivate_atom::value);
}

} // namespace

caf::behavior directory_actor(directory_ptr self, session_env env) {
  self->state.env = std::make_shared<const session_env>(std::move(env));
  if (self->state.env->passivate_after.valid())
    self->delayed_send(self, span_of(self->state.env->passivate_after), passivate_atom::value);
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    auto it = st.keys.find(msg.source.id());
    if (it == st.keys.end())
      return;
    if (msg.reason && msg.reason != caf::exit_reason::user_shutdown)
      std::cerr << "cohortd: session of " << it->second << " failed: "
                << self->system().render(msg.reason) << std::endl;
    // Not passivated (that forgets the actor first): a round that still counts on its
    // write cannot vouch for its events.
    auto key = std::move(it->second);
    st.keys.erase(it);
    if (auto* entry = st.sessions.find(key)) {
      if (entry->queued && st.round != nullptr)
        st.round->failed = true;
      st.sessions.erase(key);
    }
  });
  // Sessions are not linked (one failing user must not take the shard down), so an
  // exiting directory takes them down explicitly.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (const auto& [key, entry] : self->state.sessions.rows())
      self->send_exit(entry.session, msg.reason);
    self->quit(msg.reason);
  });
  return {
    [=](route_atom, const std::string& key, event_batch& batch) {
      route_one(self, key, std::move(batch));
    },
    [=](route_atom, shard_batch& batches) { route_batches(self, batches); },
    [=](transfer_atom atom, codecs::event& record) {
      auto* entry = find_or_spawn(self, record.user_id, true);
      if (entry == nullptr)
        return;  // reported; the record stays in the log and is replayed after a fix
      deliver(self, *entry, atom, std::move(record));
    },
    [=](handover_atom atom, codecs::event& record, caf::actor& receiver_shard) {
      auto plan = plan_of(record);
      auto* entry = find_or_spawn(self, plan.giver, false);
      if (entry == nullptr) {
        // Never seen (or unreadable, reported): nothing to give, nothing to wait for.
        // Anonymous: the receiver's confirmation must not come back here as a message.
        caf::anon_send(receiver_shard, handed_atom::value, std::move(record), handover_reply{});
        return;
      }
      self->send(entry->session, atom, std::move(record), std::move(receiver_shard));
    },
    [=](handed_atom atom, codecs::event& record, handover_reply& reply) -> caf::result<bool> {
      auto* entry = find_or_spawn(self, record.user_id, true);
      if (entry == nullptr)
        return caf::make_error(caf::sec::runtime_error, "receiver state unreadable");
      self->delegate(entry->session, atom, std::move(record), std::move(reply));
      return caf::delegated<bool>{};
    },
    [=](profile_atom atom, const std::string& key) -> caf::result<profile> {
      return forward_query<profile>(self, key, atom);
    },
    [=](summary_atom atom, const std::string& key) -> caf::result<profile_summary> {
      return forward_query<profile_summary>(self, key, atom);
    },
    [=](list_atom, const std::string& filter, const std::string& after, std::uint32_t limit) {
      return list_keys(self->state.sessions, filter, after, limit);
    },
    [=](snapshot_atom) { return snapshot_all(self, caf::timespan{0}); },
    [=](snapshot_atom, caf::timespan spread) { return snapshot_all(self, spread); },
    [=](resume_atom, std::uint64_t round) {
      auto current = self->state.round;  // finishing the round resets state.round
      if (current != nullptr && current->id == round && current->paused)
        continue_round(self, current);
    },
    [=](passivate_atom, const std::string& key, std::uint64_t batches) {
      auto& st = self->state;
      auto* entry = st.sessions.find(key);
      // Only the key's current actor may go. A session asks once per passivate message,
      // and a sweep may send another while an earlier request waits here; once the first
      // was granted and the user revived, a later one must not let go of the new actor
      // (whose `routed` may equal the old actor's count): that actor would live on unknown
      // to the directory, its events missing from the next incarnation and checkpoints.
      if (entry == nullptr
          || caf::actor_cast<caf::strong_actor_ptr>(entry->session) != self->current_sender())
        return false;
      if (entry->routed != batches || entry->writing) {
        // A batch is on its way, or its snapshot waits in a checkpoint's write (which
        // marked it clean): idle again later, asked again.
        entry->asked = false;
        touch(st, *entry);
        return false;
      }
      self->demonitor(entry->session);
      forget(st, key, *entry);
      ++st.passivated;
      return true;
    },
    [=](passivate_atom) { sweep(self); },
    [=](stats_atom) {
      const auto& st = self->state;
      return directory_stats{st.sessions.size(), st.spawned, st.passivated, st.evictions};
    },
  };
}

} // namespace cohort::actors
