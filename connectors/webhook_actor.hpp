#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/stateful_actor.hpp>

#include "config/config.hpp"
#include "connectors/delivery_index.hpp"
#include "connectors/delivery_policy.hpp"
#include "connectors/http_poster.hpp"
#include "connectors/delivery_store.hpp"
#include "connectors/webhook_signer.hpp"
#include "connectors/webhook_status.hpp"

namespace cohort::connectors {

using queued_atom = caf::atom_constant<caf::atom("whqueued")>;
using deliver_atom = caf::atom_constant<caf::atom("whdeliver")>;
using sent_atom = caf::atom_constant<caf::atom("whsent")>;
using retry_atom = caf::atom_constant<caf::atom("whretry")>;
using wake_atom = caf::atom_constant<caf::atom("whwake")>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queued_ref& x) {
  return f(caf::meta::type_name("cohort.queued_ref"), x.profile, x.seq, x.enqueued_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, post_result& x) {
  return f(caf::meta::type_name("cohort.post_result"), x.status, x.error, x.retry_after);
}

/// Everything one destination's sender needs; shared with what feeds it.
struct webhook_target {
  config::webhook_config cfg;
  std::uint32_t id = 0;  ///< webhook_queue::destination_id(url)
  webhook_signer signer;
  post_request base;     ///< Host, port, target of the URL.
  std::shared_ptr<webhook_status> status;
  std::shared_ptr<delivery_store> store;  ///< Where its queued changes wait.
  std::shared_ptr<http_poster> poster;
};

struct webhook_actor_state {
  std::shared_ptr<const webhook_target> target;
  delivery_index index;
  circuit_breaker breaker{5, millis{30000}};
  std::size_t in_flight = 0;
  bool delivering = false;      ///< Set by deliver_atom once the recovery replay is done.
  bool wake_pending = false;    ///< A wake_atom is scheduled.
  std::int64_t paused_until_ms = 0;  ///< A Retry-After for the whole destination.
  std::minstd_rand random;
  static inline const char* name = "cohort.webhook";
};

/// One destination's sender: takes queued changes (their bodies stay in the store), POSTs
/// each signed, one at a time per profile (order kept) and up to max_in_flight at once,
/// deletes an entry once answered 2xx, retries failures with backoff and jitter (a
/// Retry-After pauses the destination that long), trips its circuit breaker after
/// breaker_failures consecutive failures, drops the oldest entries past max_queued and
/// gives up on an entry after max_attempts (when set). Both counted in its status.
///  - (queued_atom, vector<queued_ref>) -> void: entries written to the queue
///  - (deliver_atom)                    -> void: start sending (after the recovery replay)
caf::behavior webhook_actor(caf::stateful_actor<webhook_actor_state>* self,
                            std::shared_ptr<const webhook_target> target);

} // namespace cohort::connectors
