#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "actors/change_event.hpp"
#include "actors/dedup_window.hpp"
#include "actors/engine_model.hpp"
#include "actors/log_positions.hpp"
#include "actors/profile.hpp"
#include "actors/recent_events.hpp"
#include "actors/sessionizer.hpp"
#include "actors/small_map.hpp"
#include "actors/window_counts.hpp"
#include "codecs/result.hpp"

namespace cohort::actors {

/// Limits a session actor works within (taken from config at spawn).
struct session_limits {
  std::int64_t gap_ms = 30 * 60 * 1000;
  std::int64_t allowed_lateness_ms = 10 * 60 * 1000;
  std::int64_t dedup_window_ms = 24 * 3600 * 1000;
  std::size_t dedup_max_ids = 16384;
  std::size_t recent_events = 16;
};

/// One user's state, free of actor machinery so that it can be tested directly: the
/// sessions, every feature of SPEC 9 maintained per event without rescanning history,
/// the score, tags and segment, and the dedup window that makes a retry apply once.
class session_state {
public:
  session_state(std::string user_key, const session_limits& limits);

  /// Restores a state written by snapshot(); fails on bytes it cannot read.
  static result<session_state> restore(std::string user_key, const session_limits& limits,
                                       const std::string& bytes);

  /// restore() from an already unpacked msgpack object (a part of a merged profile).
  /// Throws msgpack::type_error on a malformed object.
  static session_state from_object(std::string user_key, const session_limits& limits,
                                   const msgpack::object& obj);

  /// Only the recent events of such an object: what a session that let them go reads
  /// back, without rebuilding the rest. Throws msgpack::type_error on a malformed object.
  static recent_events recent_from_object(const session_limits& limits,
                                          const msgpack::object& obj);

  /// What apply() did with an event. `replayed`: its log position (partition, seq) is
  /// already in the state (a replay after restart or failover), so it is skipped: exactly
  /// once across crashes.
  enum class outcome { applied, duplicate, late, replayed };

  /// Applies `ev`, then re-evaluates score, tags and segment with `model`; segment and
  /// tag changes are appended to `changes`. A late event (older than the latest event
  /// time minus allowed lateness) changes nothing and is left to the caller to keep.
  outcome apply(const codecs::event& ev, const engine_model& model,
                std::vector<change_event>& changes);

  /// Counts an event that was not applied here but in the profile this state is a part
  /// of (a duplicate or a late event), so that the part's counters match.
  void note(outcome what);

  /// Adds `other` — the state of another profile of the same person — into this one:
  /// sessions interleaved by event time (overlapping ones joined), counters summed,
  /// windows and dedup ids united. Score, tags and segment are stale until reevaluate().
  void absorb(const session_state& other);

  /// Recomputes score, tags and segment (after absorb() or when parts were taken away);
  /// changes are appended to `changes` with `cause` as their cause.
  void reevaluate(const codecs::event& cause, const engine_model& model,
                  std::vector<change_event>& changes);

  /// Takes score, tags, segment, the change numbering, the log positions and the done
  /// transfers from `previous` (the state this one replaces, rebuilt from parts), so that
  /// the next reevaluate() reports only what really changed for subscribers.
  void carry_outputs(const session_state& previous);

  /// Marks the log position `seq` of `partition` (an identity transfer) as reflected.
  void mark_seq(std::uint32_t partition, std::uint64_t seq) {
    positions_.mark(partition, seq);
    dirty_ = true;
  }

  /// The next number of a change of this profile (1, 2, ...): subscribers drop repeats
  /// (after a failover, the replayed events give their changes the same numbers).
  std::uint64_t next_change_seq() {
    dirty_ = true;
    return ++change_seq_;
  }

  /// True when transfer `id` (a merge or an unmerge) was received already.
  bool transfer_done(const std::string& id) const;
  /// Records transfer `id` as received; the last few are kept (duplicates come soon).
  void note_transfer(std::string id);

  /// A copy of this state stored under another key.
  session_state rekeyed(std::string user_key) const;

  /// A copy of the state for queries, with the score breakdown under `model`.
  profile view(const engine_model& model) const;

  const std::string& user_key() const { return user_key_; }
  const std::string& segment() const { return segment_; }
  const std::vector<std::string>& tags() const { return tags_; }
  double score() const { return score_; }
  std::uint64_t events() const { return events_; }
  std::int64_t latest_ms() const { return sessions_.latest_ms(); }

  /// The whole state as msgpack bytes; marks the state clean.
  std::string snapshot();

  /// The last snapshot() was not written after all: dirty() until the next one.
  void mark_unsaved() { dirty_ = true; }

  /// Nothing of this state is to be written (a giver's emptied state: what stands for it
  /// on disk is written by the transfer).
  void mark_saved() { dirty_ = false; }

  /// True when events were applied since the last snapshot(), or none was taken.
  bool dirty() const { return dirty_; }

  /// The latest raw events, for the owner that lets them go between snapshots.
  recent_events& recent() { return recent_; }
  const recent_events& recent() const { return recent_; }

  /// The log positions of the events this state reflects.
  const log_positions& positions() const { return positions_; }

  /// The feature values as of the latest event (score included).
  feature_values features(const engine_model& model) const;

private:
  void record(const codecs::event& ev);
  void evaluate(const codecs::event& cause, const engine_model& model,
                std::vector<change_event>& changes);

  std::string user_key_;
  dedup_window dedup_;
  sessionizer sessions_;
  window_counts windows_;
  small_map<std::uint64_t> counts_;
  recent_events recent_;
  std::vector<identity> identities_;
  std::string device_;
  std::string source_;
  std::uint64_t events_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t late_ = 0;
  std::int64_t first_seen_ms_ = 0;
  std::int64_t updated_ms_ = 0;
  // Derived on every applied event; kept to detect changes.
  double score_ = 0;
  std::vector<std::string> tags_;
  std::string segment_;
  log_positions positions_;
  std::uint64_t change_seq_ = 0;
  std::vector<std::string> done_transfers_;  ///< The last transfer ids received, oldest first.
  /// Partition 0's position, where snapshots before partitioned positions kept it.
  std::uint64_t legacy_seq_ = 0;
  bool dirty_ = true;  // not persisted: a restored state is clean

public:
  // recent_ stays the fifth field: recent_from_object() reads it alone.
  MSGPACK_DEFINE(dedup_, sessions_, windows_, counts_, recent_, identities_, device_, source_,
                 events_, duplicates_, late_, first_seen_ms_, updated_ms_, score_, tags_,
                 segment_, legacy_seq_, positions_, change_seq_, done_transfers_)
};

} // namespace cohort::actors
