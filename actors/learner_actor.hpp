#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "actors/decision_log.hpp"
#include "actors/learner_state.hpp"

namespace cohort::actors {

/// One outcome of POST /v1/outcomes, validated by the endpoint: it names its decision by
/// `decision_id`, or (empty id) by `user_id` + `placement` (their latest decision).
struct outcome_item {
  std::string decision_id;
  std::string user_id;
  std::string placement;
  std::string outcome;     ///< impression | click | conversion
  std::string message_id;  ///< "" = dedup by (decision, outcome) only.
};

/// What became of one outcome_item.
struct outcome_verdict {
  enum status_t : std::uint8_t { counted, duplicate, unknown };
  std::uint8_t status = counted;
  std::string decision_id;  ///< The decision it was credited to ("" when unknown).
  std::string reason;       ///< Why it was a duplicate or unknown.
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outcome_item& x) {
  return f(caf::meta::type_name("cohort.outcome_item"), x.decision_id, x.user_id, x.placement,
           x.outcome, x.message_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outcome_verdict& x) {
  return f(caf::meta::type_name("cohort.outcome_verdict"), x.status, x.decision_id, x.reason);
}

/// What the learner needs besides its counts.
struct learner_env {
  std::shared_ptr<decision_log> log;
  /// Receives each committed state; holds `loaded` (the learner's start) already.
  std::shared_ptr<posterior_board> board;
  std::chrono::milliseconds attribution_window;
  std::chrono::milliseconds prune_interval;
  std::function<std::int64_t()> now_ms;  ///< The clock (tests set it).
};

struct learner_data {
  learner_state state;
  std::shared_ptr<const posteriors> committed;  ///< What the log holds (and the board shows).
};

/// The bandit's single writer (SPEC 5). Answers
///  - (outcome_atom, std::vector<outcome_item>) -> std::vector<outcome_verdict>
/// resolving each item's decision from the log, counting new outcomes into the arms and
/// writing them, what was counted and the new version in one synced write before it
/// answers; then the board shows the new posteriors. A failed write answers an error
/// (sec::runtime_error with the store's reason) and changes nothing.
/// Every `prune_interval` it drops decisions older than the attribution window.
/// Blocks on disk writes: spawn it detached.
caf::behavior learner_actor(caf::stateful_actor<learner_data>* self, learner_env env,
                            posteriors loaded);

} // namespace cohort::actors
