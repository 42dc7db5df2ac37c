#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include <msgpack.hpp>

#include "actors/decision_record.hpp"
#include "actors/shared_board.hpp"

namespace cohort::actors {

/// The outcomes POST /v1/outcomes takes (SPEC 5).
enum class outcome_kind : std::uint8_t { impression = 1, click = 2, conversion = 4 };

/// The kind named `name` ("impression", "click", "conversion"); nullopt for anything else.
std::optional<outcome_kind> outcome_kind_of(std::string_view name);

/// One bandit arm: a variant of a placement served to a segment, or (holdout) the
/// placement's default served to that segment's holdout share.
struct arm_key {
  std::string placement;
  std::string segment;
  std::string variant;
  bool holdout = false;
  bool operator<(const arm_key& o) const {
    return std::tie(placement, segment, holdout, variant)
           < std::tie(o.placement, o.segment, o.holdout, o.variant);
  }
  bool operator==(const arm_key& o) const {
    return placement == o.placement && segment == o.segment && variant == o.variant
           && holdout == o.holdout;
  }
};

/// What an arm's decisions led to. Every decision with at least one outcome counts as one
/// impression (a click or conversion implies the variant was shown), each kind at most
/// once per decision.
struct arm_counts {
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;
  std::uint64_t conversions = 0;
  /// The outcomes of the placement's `reward` kind ("click" or "conversion").
  std::uint64_t rewards(const std::string& reward) const {
    return reward == "click" ? clicks : conversions;
  }
  bool operator==(const arm_counts& o) const {
    return impressions == o.impressions && clicks == o.clicks && conversions == o.conversions;
  }
  MSGPACK_DEFINE(impressions, clicks, conversions)
};

/// All arms' counts and the version they are at: what decisions draw from and what
/// /admin/api/experiments shows. Immutable once published.
struct posteriors {
  std::map<arm_key, arm_counts> arms;
  std::uint64_t version = 0;  ///< One more for every applied batch that changed a count.
  /// The arm's counts; nullptr when no outcome reached it yet (the Beta(1,1) prior).
  const arm_counts* find(const arm_key& key) const {
    auto it = arms.find(key);
    return it == arms.end() ? nullptr : &it->second;
  }
};

/// The posteriors decisions read, swapped as a whole after each applied batch, so that a
/// decision never waits for the learner.
using posterior_board = shared_board<posteriors>;

/// The bandit's counts, changed one outcome at a time by the learner actor. Dedup is by
/// the kinds already counted for a decision (`counted`, a mask of outcome_kind bits), so
/// an impression, click or conversion counts once per decision; holdout decisions count
/// in their own arm, which never feeds a draw (decision_api) but gives the lift baseline.
class learner_state {
public:
  learner_state() = default;
  explicit learner_state(posteriors loaded) : current_(std::move(loaded)) {}

  /// Counts `kind` for `decision`, whose already counted kinds are `counted` (updated).
  /// False, with nothing changed, when the kind was counted before (a duplicate).
  bool apply(const decision_record& decision, outcome_kind kind, std::uint8_t& counted);

  /// Ends a batch: when anything changed since the last call, the version goes up and
  /// the arms it changed are returned (to be written with the batch's outcomes).
  std::map<arm_key, arm_counts> finish_batch();

  /// Forgets the changes since the last finish_batch() (their write failed).
  void abandon_batch(const posteriors& committed) { current_ = committed; changed_.clear(); }

  const posteriors& current() const { return current_; }

private:
  posteriors current_;
  std::map<arm_key, arm_counts> changed_;
};

/// The arm an outcome of `decision` is counted in.
arm_key arm_of(const decision_record& decision);

} // namespace cohort::actors
