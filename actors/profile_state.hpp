#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/boxed.hpp"
#include "actors/session_state.hpp"

namespace cohort::actors {

/// The state of one profile: the combined state that features, score and segment are
/// read from, and — once other profiles were merged into it — each merged part's own
/// state beside it, so that an unmerge hands each side exactly what its own events built
/// (the log behind a checkpoint is gone, so parts are how "rebuild from its own events"
/// stays possible). A profile that never merged holds only the combined state, whose
/// snapshot bytes are those of a plain session_state.
class profile_state {
public:
  profile_state(std::string key, const session_limits& limits);

  /// Restores a state written by snapshot() (either format); fails on unreadable bytes.
  static result<profile_state> restore(std::string key, const session_limits& limits,
                                       const std::string& bytes);

  /// Applies `ev` to the combined state and, when it was applied, to the part of its
  /// origin (codecs::event::origin_key()).
  session_state::outcome apply(const codecs::event& ev, const engine_model& model,
                               std::vector<change_event>& changes);

  /// Merges `other` (a whole profile, or parts split off one) into this profile: its
  /// parts join these, the combined state absorbs its combined state and is evaluated
  /// again, changes caused by `cause` (the transfer record) are appended to `changes`.
  void absorb(const profile_state& other, const codecs::event& cause, const engine_model& model,
              std::vector<change_event>& changes);

  /// Takes the parts of `origins` out into a new profile stored under `key`; this profile
  /// is rebuilt from its remaining parts. Origins this profile does not hold are ignored.
  profile_state extract(const std::vector<std::string>& origins, const std::string& key,
                        const codecs::event& cause, const engine_model& model,
                        std::vector<change_event>& changes);

  /// The whole state as msgpack bytes; marks it clean.
  std::string snapshot();

  /// Recent raw events (recent_events.hpp): a profile of one part lets them go once its
  /// snapshot is written, and reads them back from it when they are wanted.
  /// The mark to release() with, taken with snapshot(); 0 (nothing to release) for a
  /// merged profile or one that never held an event.
  std::uint64_t recent_mark() const { return merged() ? 0 : combined_.recent().mark(); }
  /// Lets the recent events go when none came since `mark` (see recent_events::release).
  void release_recent(std::uint64_t mark) {
    if (!merged())
      combined_.recent().release(mark);
  }
  /// True when recent events were let go: complete_recent() before snapshot(), absorb(),
  /// extract() or a view.
  bool recent_partial() const { return combined_.recent().partial(); }
  /// True when applying `ev` turns this profile into parts (its origin is another's).
  bool splits_on(const codecs::event& ev) const { return !merged() && ev.origin_key() != home_; }
  /// Takes back the recent events let go, from `stored` (stored_recent()).
  void complete_recent(recent_events stored) { combined_.recent().complete(std::move(stored)); }
  /// The recent events of a snapshot() of `key`, read alone; fails on unreadable bytes.
  static result<recent_events> stored_recent(const std::string& key,
                                             const session_limits& limits,
                                             const std::string& bytes);

  bool dirty() const { return combined_.dirty(); }
  /// The last snapshot() was not written after all: dirty() until the next one.
  void mark_unsaved() { combined_.mark_unsaved(); }
  /// Nothing of this state is to be written (see session_state::mark_saved).
  void mark_saved() { combined_.mark_saved(); }
  /// True when the log record `record` (a transfer) is reflected in this state already.
  bool holds(const codecs::event& record) const {
    return record.seq != 0 && combined_.positions().at(record.partition) >= record.seq;
  }
  /// Records the log record `record` as reflected.
  void mark(const codecs::event& record) { combined_.mark_seq(record.partition, record.seq); }
  /// Numbers `change` in this profile's sequence of changes.
  void number(change_event& change) { change.seq = combined_.next_change_seq(); }
  /// Transfer ids received, so that a repeated transfer record is dropped.
  bool transfer_done(const std::string& id) const { return combined_.transfer_done(id); }
  void note_transfer(std::string id) { combined_.note_transfer(std::move(id)); }
  const std::string& key() const { return combined_.user_key(); }
  const session_state& combined() const { return combined_; }

  /// The origins this profile is made of (itself alone until a merge).
  std::vector<std::string> origins() const;

private:
  /// Every part keyed by origin; a single-part profile's combined state is its part.
  std::map<std::string, session_state> parts() const;
  /// Rebuilds the combined state from `parts` (under this profile's key).
  void rebuild(std::map<std::string, session_state> parts, const codecs::event& cause,
               const engine_model& model, std::vector<change_event>& changes);

  session_limits limits_;
  session_state combined_;
  std::string home_;  ///< The origin of combined_ while parts_ is empty.
  /// True when other profiles were merged into this one (it holds parts).
  bool merged() const { return parts_.get() != nullptr && !parts_.get()->empty(); }

  boxed<std::map<std::string, session_state>> parts_;  ///< Empty until a merge.
};

} // namespace cohort::actors
