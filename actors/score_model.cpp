#include "actors/score_model.hpp"

#include <algorithm>
#include <cmath>

#include "actors/logistic_model.hpp"

namespace cohort::actors {

double normalized_value(double value, const std::optional<double>& cap) {
  double normalized = cap ? std::min(value / *cap, 1.0) : std::clamp(value, 0.0, 1.0);
  return std::isfinite(normalized) ? normalized : 0.0;
}

std::optional<std::vector<score_factor>> score_factors(const config::score_config& cfg,
                                                       std::vector<std::string>& errors) {
  auto before = errors.size();
  std::vector<score_factor> factors;
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
    factors.push_back({info->slot, name, weight, cap});
  }
  for (const auto& [name, cap] : cfg.caps)
    if (cfg.weights.count(name) == 0)
      errors.push_back("score.caps." + name + ": has no weight in score.weights");
  if (errors.size() != before)
    return std::nullopt;
  return factors;
}

std::optional<score_model>
score_model::from_config(const config::score_config& cfg, std::vector<std::string>& errors,
                         std::shared_ptr<shared_board<learned_score>> learned) {
  score_model m;
  if (cfg.model == "learned") {
    if (!learned) {
      auto start = logistic_model::from_config(cfg, errors);
      if (!start)
        return std::nullopt;
      learned = std::make_shared<learned_board>(
        std::make_shared<const learned_score>(learned_score{std::move(*start), 1}));
    }
    m.kind_ = "learned";
    m.learned_ = std::move(learned);
    return m;
  }
  if (cfg.model == "tree") {
    if (!cfg.tree) {
      errors.push_back("score.tree_model: no model loaded");
      return std::nullopt;
    }
    m.kind_ = "tree";
    m.tree_ = cfg.tree;
    return m;
  }
  if (cfg.model != "weighted") {
    errors.push_back("score.model: '" + cfg.model + "' is not a score model");
    return std::nullopt;
  }
  auto factors = score_factors(cfg, errors);
  if (!factors)
    return std::nullopt;
  m.factors_ = std::move(*factors);
  for (const auto& x : m.factors_)
    m.weight_sum_ += x.weight;
  return m;
}

double score_model::evaluate(const feature_values& f, std::vector<score_term>* breakdown) const {
  if (breakdown != nullptr)
    breakdown->clear();
  if (tree_)
    return evaluate_tree(f, breakdown);
  if (learned_)
    return learned_->get()->model.evaluate(f, breakdown);
  if (weight_sum_ == 0)
    return 0;
  double score = 0;
  for (const auto& x : factors_) {
    double value = f[x.slot];
    double normalized = normalized_value(value, x.cap);
    double contribution = 100.0 * x.weight * normalized / weight_sum_;
    score += contribution;
    if (breakdown != nullptr)
      breakdown->push_back({x.name, x.weight, value, normalized, contribution});
  }
  return std::clamp(score, 0.0, 100.0);
}

std::uint64_t score_model::version(std::uint64_t engine_version) const {
  return learned_ ? learned_->get()->version : engine_version;
}

double score_model::evaluate_tree(const feature_values& f,
                                  std::vector<score_term>* breakdown) const {
  const double* slots = f.numbers.data();
  const double margin = tree_->margin(slots);
  if (breakdown != nullptr) {
    std::array<double, config::feature_count> per_slot{};
    double bias = tree_->base_margin();
    tree_->contributions(slots, per_slot.data(), bias);
    const auto& names = tree_->feature_names();
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto slot = tree_->features()[i];
      breakdown->push_back({names[i], 0, f[slot], 0, per_slot[static_cast<std::size_t>(slot)]});
    }
    breakdown->push_back({"bias", 0, 0, 0, bias});
  }
  return 100.0 / (1.0 + std::exp(-margin));
}

} // namespace cohort::actors
