#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <memory>

#include "actors/score_model.hpp"
#include "actors/shared_board.hpp"
#include "config/rule_set.hpp"

namespace cohort::actors {

/// Everything that turns features into a score, tags and a segment: compiled rules and
/// the score model, with the version that decisions report. Immutable once built.
struct engine_model {
  std::shared_ptr<const config::rule_set> rules;
  score_model score;
  std::map<std::string, config::placement> placements;  ///< For the decision API.
  std::uint64_t version = 1;
};

/// The model every session actor reads; a reload swaps it as a whole, so a session never
/// sees half of an old rule set and half of a new one.
using model_holder = shared_board<engine_model>;

} // namespace cohort::actors
