#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <msgpack.hpp>

#include "actors/journal.hpp"
#include "codecs/event.hpp"
#include "codecs/result.hpp"
#include "config/config.hpp"

namespace cohort::actors {

/// One identity of a profile and how it joined.
struct linked_identity {
  std::string kind;    ///< userId | anonymousId | email | previousId
  std::string id;      ///< As sent; email: "email:" + a hash of the normalized address.
  std::string origin;  ///< The profile it belonged to before any merge: what unmerge moves.
  std::string link;    ///< first | event | identify | alias | probabilistic
  double confidence = 1;
  std::int64_t at_ms = 0;
  MSGPACK_DEFINE(kind, id, origin, link, confidence, at_ms)
};

/// One merge: the profile rooted at `origin` joined the profile rooted at `parent`.
struct merge_edge {
  std::string origin;
  std::string parent;
  std::string link;
  double confidence = 1;
  std::int64_t at_ms = 0;
  MSGPACK_DEFINE(origin, parent, link, confidence, at_ms)
};

/// A profile of several identities, as stored. A profile of one identity has no record:
/// its id is that identity, which keeps the common case free of graph lookups on disk.
struct profile_record {
  std::string id;  ///< The root origin; the key its state is stored under.
  std::vector<linked_identity> identities;
  std::vector<merge_edge> edges;  ///< A tree over the origins, rooted at `id`.
  MSGPACK_DEFINE(id, identities, edges)
};

/// A link a guard refused, kept for operators (GET /admin/api/identity/refusals).
struct identity_refusal {
  std::int64_t at_ms = 0;
  std::string profile;   ///< The profile that would have survived.
  std::string other;     ///< The profile that would have been merged into it.
  std::string link;      ///< identify | alias | event | probabilistic
  std::string reason;
  std::string message_id;  ///< The event that asked for the link.
  MSGPACK_DEFINE(at_ms, profile, other, link, reason, message_id)
};

/// State to move between two profiles: a merge (all of `giver`, whose profile ends) or
/// an unmerge (the parts of `origins`, moved into the new profile `receiver`).
struct transfer_plan {
  std::string receiver;
  std::string giver;
  std::vector<std::string> origins;  ///< Empty: everything.
  std::string link;                  ///< How the profiles were linked, or "unmerge".
  double confidence = 1;
  std::string id;  ///< Set by a cluster's sequencer: the receiver matches the state by it.
};

/// Where an event goes, and the merges to carry out before it.
struct resolution {
  std::string profile;  ///< The profile (session actor key) the event is routed to.
  std::string origin;   ///< The part of that profile it belongs to.
  std::vector<transfer_plan> merges;
};

/// Counters of the graph (metrics, /admin/api/nodes).
struct identity_stats {
  std::uint64_t linked_profiles = 0;  ///< Profiles of more than one identity.
  std::uint64_t merges = 0;           ///< Since start.
  std::uint64_t unmerges = 0;         ///< Since start.
  std::uint64_t refusals = 0;         ///< Since start.
  std::uint64_t signals = 0;          ///< Probabilistic evidence entries held.
};

/// Where probabilistic evidence lives. `records`: each entry is also a record of
/// take_writes(), so the journal keeps it and load() brings it back after a restart
/// (a single node). `memory`: a restart forgets it; for a cluster's sequencer, whose
/// identity log is one partition that an entry per event would flood.
enum class evidence_storage { memory, records };

/// The identity graph: which identities (userId, anonymousId, email hash, alias ids) form
/// one profile, how each was linked, and the merges that made it. Deterministic links
/// come from events carrying two identities (identify, alias, userId + anonymousId);
/// probabilistic ones from configured evidence keys (device id, IP + user agent) whose
/// weights reach the threshold. Guards refuse links past max_identities_per_profile and
/// links of two different known userIds (except alias); a refused pair is not tried
/// again. The ingest actor is the only writer and stores take_writes() atomically with
/// the events the links were made for; readers (queries) may call in from any thread.
class identity_graph {
public:
  explicit identity_graph(config::identity_config options,
                          evidence_storage evidence = evidence_storage::memory);

  /// Replaces the graph with stored `records` (startup, or after a failed write).
  /// Fails on a record it cannot read.
  result<bool> load(const keyed_writes& records);

  /// Applies `records` written by another graph (the cluster's sequencer), in order, on
  /// top of this one: a replica reading the identity log. Idempotent per record. Fails on
  /// a record it cannot read (the records before it stay applied).
  result<bool> apply(const keyed_writes& records);

  /// Links the identities of `ev` (guards permitting) and says where it goes.
  resolution resolve(const codecs::event& ev);

  /// Where `ev` goes when it can link nothing new (one identity, or all of them in one
  /// profile already, and no evidence keys configured); nullopt when resolving it could
  /// change the graph. A cluster front resolves such events on its replica and leaves the
  /// others to the sequencer. Reads only.
  std::optional<resolution> lookup(const codecs::event& ev) const;

  /// Plans splitting the origin of `id`, with what merged through it, off its profile;
  /// that pair is never linked probabilistically again. 404 when `id` is linked to
  /// nothing, 409 when it is the root of its profile (nothing was merged *into* it).
  result<transfer_plan> unmerge(const std::string& id, std::int64_t now_ms);

  /// Record writes since the last call, for the journal.
  keyed_writes take_writes();

  /// The profile `id` belongs to (`id` itself when it is linked to nothing).
  std::string profile_of(const std::string& id) const;

  /// The record of the profile `id` belongs to; nullopt when it is a single identity.
  std::optional<profile_record> record_of(const std::string& id) const;

  /// The latest refusals, newest last.
  std::vector<identity_refusal> refusals() const;

  identity_stats stats() const;

private:
  struct signal {
    std::string origin;  ///< Of the identity the evidence was seen with.
    std::string kind;
    std::int64_t seen_ms = 0;
    MSGPACK_DEFINE(origin, kind, seen_ms)
  };
  using weighted_signal = std::pair<std::uint64_t, double>;  // evidence hash, key weight
  using identity_ref = std::pair<std::string, std::string>;  // kind, id

  std::string profile_locked(const std::string& id) const;
  /// One stored record into the graph (load and apply); throws on unreadable bytes.
  void apply_locked(const std::string& key, const std::optional<std::string>& bytes);
  std::string origin_locked(const std::string& id) const;
  profile_record& ensure_record(const std::string& profile, const std::string& kind,
                                std::int64_t at_ms);
  std::size_t identity_count(const std::string& profile) const;
  std::set<std::string> user_ids(const std::string& profile, const std::string& kind) const;
  std::optional<std::string> refusal_reason(const std::string& survivor,
                                            const std::string& survivor_kind,
                                            const std::string& absorbed,
                                            const std::string& absorbed_kind,
                                            const std::string& link) const;
  bool try_merge(const std::string& survivor, const std::string& survivor_kind,
                 const std::string& absorbed, const std::string& absorbed_kind,
                 const std::string& link, double confidence, const codecs::event& ev,
                 std::vector<transfer_plan>& merges);
  void refuse(identity_refusal refusal);
  void put_record(const std::string& profile);
  void drop_record(const std::string& profile);
  std::vector<weighted_signal> signals_of(const codecs::event& ev) const;
  /// The other profile the evidence points at most strongly: (profile, kind, confidence).
  std::optional<std::tuple<std::string, std::string, double>> best_candidate(
    const std::vector<weighted_signal>& signals, const std::string& profile,
    std::int64_t now_ms) const;
  void remember(const std::vector<weighted_signal>& signals, const std::string& origin,
                const std::string& kind, std::int64_t now_ms);
  profile_record take_record(const std::string& profile, const std::string& kind,
                             std::int64_t at_ms);
  void install(profile_record record);

  void forget_signal(std::unordered_map<std::uint64_t, signal>::iterator it);

  config::identity_config options_;
  evidence_storage evidence_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, profile_record> records_;   // profile id -> record
  std::unordered_map<std::string, std::string> index_;        // identity id -> profile id
  std::set<std::pair<std::string, std::string>> blocked_;     // profile pairs, sorted
  std::deque<identity_refusal> refusals_;
  std::uint64_t refusal_seq_ = 0;
  std::unordered_map<std::uint64_t, signal> signals_;
  std::deque<std::pair<std::uint64_t, std::int64_t>> signal_order_;  // for expiry
  keyed_writes writes_;
  identity_stats stats_;
};

/// The identities an event carries, most authoritative first (userId, anonymousId,
/// email from identify traits, alias previousId).
std::vector<std::pair<std::string, std::string>> identities_of(const codecs::event& ev);

} // namespace cohort::actors
