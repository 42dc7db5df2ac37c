#include "actors/learner_state.hpp"

namespace cohort::actors {

std::optional<outcome_kind> outcome_kind_of(std::string_view name) {
  if (name == "impression")
    return outcome_kind::impression;
  if (name == "click")
    return outcome_kind::click;
  if (name == "conversion")
    return outcome_kind::conversion;
  return std::nullopt;
}

arm_key arm_of(const decision_record& decision) {
  return {decision.placement, decision.segment, decision.variant, decision.holdout};
}

bool learner_state::apply(const decision_record& decision, outcome_kind kind,
                          std::uint8_t& counted) {
  const auto bit = static_cast<std::uint8_t>(kind);
  if ((counted & bit) != 0)
    return false;
  auto key = arm_of(decision);
  auto& arm = current_.arms[key];
  if (counted == 0)
    ++arm.impressions;
  if (kind == outcome_kind::click)
    ++arm.clicks;
  else if (kind == outcome_kind::conversion)
    ++arm.conversions;
  counted |= bit;
  changed_[std::move(key)] = arm;
  return true;
}

std::map<arm_key, arm_counts> learner_state::finish_batch() {
  if (!changed_.empty())
    ++current_.version;
  return std::exchange(changed_, {});
}

} // namespace cohort::actors
