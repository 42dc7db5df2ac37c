#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/change_outbox.hpp"
#include "cluster/state_journal.hpp"

namespace cohort::cluster {

/// Where the sessions of one served partition put their changes: <prefix>.changes, keyed
/// by profile (so each profile's changes keep their order in one partition), read by every
/// node's follower (WebSocket push) and by the webhook feeds (webhook_feed.hpp).
///
/// Why no change is lost by a failover: a session queues its changes here before it
/// publishes them and before any later snapshot of its state, and the records are produced
/// through the partition's journal, whose next marker waits until they are held (a failed
/// one is produced again first). So a marker never covers an event whose change is not in
/// the topic: a successor replays such an event and derives the change again, with the
/// same seq (a repeat its readers recognise), never a gap.
class changes_outbox : public actors::change_outbox {
public:
  changes_outbox(std::shared_ptr<state_journal> journal, std::string changes_topic, int partitions);

  /// Produces every change (librdkafka queues them; delivery is awaited by the marker).
  result<bool> queue(const std::vector<actors::change_event>& changes) override;

private:
  std::shared_ptr<state_journal> journal_;
  std::string topic_;
  int partitions_;
};

} // namespace cohort::cluster
