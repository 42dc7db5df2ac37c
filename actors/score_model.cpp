#include "actors/score_model.hpp"

#include <algorithm>
#include <cmath>

namespace cohort::actors {

std::optional<score_model> score_model::from_config(const config::score_config& cfg,
                                                    std::vector<std::string>& errors) {
  score_model m;
  auto before = errors.size();
  for (const auto& [name, weight] : cfg.weights) {
    auto info = config::find_feature(name);
    if (!info) {
      errors.push_back("score.weights." + name + ": unknown feature");
      continue;
    }
    if (info->type == config::value_type::string || info->slot == config::feature::score) {
      errors.push_back("score.weights." + name + ": not a numeric or boolean feature");
      continue;
    }
    std::optional<double> cap;
    if (auto it = cfg.caps.find(name); it != cfg.caps.end())
      cap = it->second;
    m.factors_.push_back({info->slot, name, weight, cap});
    m.weight_sum_ += weight;
  }
  for (const auto& [name, cap] : cfg.caps)
    if (cfg.weights.count(name) == 0)
      errors.push_back("score.caps." + name + ": has no weight in score.weights");
  if (errors.size() != before)
    return std::nullopt;
  return m;
}

double score_model::evaluate(const feature_values& f, std::vector<score_term>* breakdown) const {
  if (breakdown != nullptr)
    breakdown->clear();
  if (weight_sum_ == 0)
    return 0;
  double score = 0;
  for (const auto& x : factors_) {
    double value = f[x.slot];
    double normalized = x.cap ? std::min(value / *x.cap, 1.0) : std::clamp(value, 0.0, 1.0);
    if (!std::isfinite(normalized))
      normalized = 0;
    double contribution = 100.0 * x.weight * normalized / weight_sum_;
    score += contribution;
    if (breakdown != nullptr)
      breakdown->push_back({x.name, x.weight, value, normalized, contribution});
  }
  return std::clamp(score, 0.0, 100.0);
}

} // namespace cohort::actors
