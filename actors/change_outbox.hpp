#pragma once

#include <vector>

#include "actors/change_event.hpp"
#include "codecs/result.hpp"

namespace cohort::actors {

/// Where numbered changes are queued durably for outside destinations (webhooks).
/// The session actor calls queue() before it publishes the changes and before any later
/// write of its own state: a snapshot covering the events behind a change is therefore
/// never on disk without the change's queue entries (see connectors/webhook_outbox.hpp).
/// Thread-safe: every session actor calls it.
class change_outbox {
public:
  virtual ~change_outbox() = default;
  /// Writes the entries of `changes` for every destination that wants them in one
  /// durable write, then hands them to the destinations' senders. A failure means none
  /// was written.
  virtual result<bool> queue(const std::vector<change_event>& changes) = 0;
};

} // namespace cohort::actors
