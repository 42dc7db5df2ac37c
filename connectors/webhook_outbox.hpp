#pragma once

#include <memory>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/change_outbox.hpp"
#include "config/config.hpp"
#include "connectors/webhook_senders.hpp"
#include "storage/store.hpp"

namespace cohort::connectors {

class webhook_queue;

/// The webhook destinations of a single node: their durable queues and their senders.
///
/// Why a kill -9 loses no change. Changes are derived deterministically from the event
/// log and numbered per profile (change_event::seq, kept in the profile's snapshot). The
/// session actor queues a change (one RocksDB write for all destinations, WAL on, synced
/// with ingest.durability: fsync) before it publishes it and before any later write of
/// its own state. So at any crash point either (a) the snapshot on disk does not cover
/// the event that caused the change: the event is still in the log after the checkpoint,
/// the replay applies it again from that snapshot and derives the same change with the
/// same seq, whose entry overwrites its own key (or is queued again if it was delivered
/// and deleted: a repeat with the same webhook-id); or (b) the snapshot covers it: that
/// snapshot was written after the queue write, and RocksDB recovers writes in order, so
/// the entry is on disk. An entry leaves the disk only when answered 2xx, dropped past
/// max_queued or given up after max_attempts (both counted and shown).
class webhook_outbox : public actors::change_outbox {
public:
  /// Loads each destination's queue from disk and spawns its sender (sending starts with
  /// deliver()). Fails on an unreadable queue or a bad secret.
  static result<std::shared_ptr<webhook_outbox>> start(caf::actor_system& system,
                                                       storage::store& db, bool fsync,
                                                       const std::vector<config::webhook_config>& hooks);
  ~webhook_outbox() override;

  result<bool> queue(const std::vector<actors::change_event>& changes) override;

  /// Senders start sending: after the recovery replay, so that changes it derives again
  /// join their profile's queue in order before anything of it is sent.
  void deliver() { senders_->deliver(); }
  /// Stops the senders (requests under way are abandoned; their entries stay queued).
  void stop() { senders_->stop(); }

  std::shared_ptr<const webhook_senders> senders() const { return senders_; }

private:
  webhook_outbox() = default;
  std::shared_ptr<webhook_queue> queue_;
  std::shared_ptr<webhook_senders> senders_;
};

} // namespace cohort::connectors
