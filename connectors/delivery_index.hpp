#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "connectors/webhook_queue.hpp"

namespace cohort::connectors {

/// A destination's queue as its sender walks it (the bodies stay on disk): per profile
/// its changes in seq order, and which profiles may send now. A profile sends one change
/// at a time: its next waits until the previous is done (delivered, dropped or given up),
/// so a receiver sees each profile's changes in order. Profiles take turns.
class delivery_index {
public:
  /// Adds a change unless it is queued already (a replay repeats changes); false then.
  bool add(const queued_ref& ref);
  /// The head of the next profile whose turn it is; the profile is busy until done() or
  /// release(). nullopt when no profile may send.
  std::optional<queued_ref> next();
  /// The busy profile's head is finished: removed; the profile's next change may go.
  void done(const std::string& profile);
  /// The busy profile may send its head again (its retry is due).
  void release(const std::string& profile);
  /// Removes and returns the oldest change that is not being sent (the queue bound).
  std::optional<queued_ref> drop_oldest();
  /// Failed attempts of `profile`'s head so far (counting this one).
  std::size_t failed_attempt(const std::string& profile);

  std::size_t size() const { return age_.size(); }

private:
  struct profile_queue {
    std::deque<queued_ref> changes;  ///< By seq.
    bool busy = false;               ///< Its head is being sent or waits for a retry.
    bool ready = false;              ///< In ready_.
    std::size_t attempts = 0;        ///< Failed attempts of its head.
  };
  void make_ready(const std::string& profile, profile_queue& q, bool front);
  void erase_age(const queued_ref& ref);

  std::map<std::string, profile_queue> profiles_;
  std::set<std::tuple<std::int64_t, std::string, std::uint64_t>> age_;
  std::deque<std::string> ready_;
};

} // namespace cohort::connectors
