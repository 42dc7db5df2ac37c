#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/change_event.hpp"
#include "config/config.hpp"
#include "connectors/delivery_store.hpp"
#include "connectors/webhook_status.hpp"

namespace cohort::connectors {

struct webhook_target;
class http_poster;

/// The POSTed JSON of a change: Standard Webhooks' {type, timestamp, data} envelope, with
/// the profile and the change's number so that a receiver can order and drop repeats.
std::string webhook_body(const actors::change_event& change);

/// Whether destination `cfg` takes changes of this kind (its `events`).
bool webhook_wants(const config::webhook_config& cfg, actors::change_event::kind kind);

/// The senders of a node's webhook destinations (one webhook_actor each, in config order)
/// and their status; what feeds them their queued changes is the owner's: the node's
/// RocksDB outbox, or a cluster's feeds from the changes topic.
class webhook_senders {
public:
  /// Where destination `id`'s changes wait.
  using store_fn = std::function<std::shared_ptr<delivery_store>(std::uint32_t id)>;

  /// Spawns a sender per destination (sending starts with deliver()). Fails (2) on a bad
  /// secret or URL.
  static result<std::unique_ptr<webhook_senders>> start(caf::actor_system& system,
                                                        const std::vector<config::webhook_config>& hooks,
                                                        const store_fn& store_of);
  /// Stops the senders.
  ~webhook_senders();
  webhook_senders(const webhook_senders&) = delete;
  webhook_senders& operator=(const webhook_senders&) = delete;

  std::size_t size() const { return targets_.size(); }
  const config::webhook_config& config(std::size_t i) const;
  std::uint32_t id(std::size_t i) const;
  /// Hands destination i entries its store holds now.
  void add(std::size_t i, std::vector<queued_ref> refs);
  /// Senders start sending.
  void deliver();
  /// Stops the senders (requests under way are abandoned; their entries stay queued).
  void stop();
  /// One per destination, in config order.
  std::vector<std::shared_ptr<const webhook_status>> statuses() const;

private:
  webhook_senders() = default;
  std::shared_ptr<http_poster> poster_;
  std::vector<std::shared_ptr<const webhook_target>> targets_;
  std::vector<caf::actor> senders_;
};

} // namespace cohort::connectors
