#include "actors/logistic_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cohort::actors {

namespace {

double sigmoid(double m) {
  return 1.0 / (1.0 + std::exp(-m));
}

} // namespace

logistic_model::logistic_model(std::vector<input> inputs, std::vector<double> weights,
                               double bias)
  : inputs_(std::move(inputs)), weights_(std::move(weights)), bias_(bias) {
  weights_.resize(inputs_.size(), 0.0);
}

std::optional<logistic_model> logistic_model::from_config(const config::score_config& cfg,
                                                          std::vector<std::string>& errors) {
  auto factors = score_factors(cfg, errors);
  if (!factors)
    return std::nullopt;
  std::vector<input> inputs;
  std::vector<double> weights;
  double sum = 0;
  for (auto& x : *factors) {
    inputs.push_back({x.slot, std::move(x.name), x.cap});
    weights.push_back(x.weight);
    sum += x.weight;
  }
  if (sum == 0)
    return logistic_model{std::move(inputs), std::vector<double>(weights.size(), 0.0), 0.0};
  for (auto& w : weights)
    w = 4.0 * w / sum;
  return logistic_model{std::move(inputs), std::move(weights), -2.0};
}

std::vector<double> logistic_model::normalize(const double* slots) const {
  std::vector<double> x;
  x.reserve(inputs_.size());
  for (const auto& in : inputs_)
    x.push_back(normalized_value(slots[static_cast<std::size_t>(in.slot)], in.cap));
  return x;
}

double logistic_model::margin(const std::vector<double>& x) const {
  double m = bias_;
  for (std::size_t i = 0; i < weights_.size() && i < x.size(); ++i)
    m += weights_[i] * x[i];
  return m;
}

double logistic_model::predict(const std::vector<double>& x) const {
  return sigmoid(margin(x));
}

void logistic_model::train(const labeled_example& example, double rate, double l2) {
  const double error = predict(example.x) - example.label;
  for (std::size_t i = 0; i < weights_.size() && i < example.x.size(); ++i)
    weights_[i] -= rate * (error * example.x[i] + l2 * weights_[i]);
  bias_ -= rate * error;
}

void logistic_model::shift(const std::vector<double>& x, double amount) {
  for (std::size_t i = 0; i < weights_.size() && i < x.size(); ++i)
    weights_[i] += amount * x[i];
  bias_ += amount;
}

double logistic_model::example_loss(const labeled_example& e) const {
  constexpr double eps = 1e-15;
  const double p = std::clamp(predict(e.x), eps, 1.0 - eps);
  return -(e.label * std::log(p) + (1.0 - e.label) * std::log(1.0 - p));
}

double logistic_model::evaluate(const feature_values& f,
                                std::vector<score_term>* breakdown) const {
  // Inline rather than through normalize(): the per-event path allocates nothing.
  if (breakdown != nullptr)
    breakdown->clear();
  double m = bias_;
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    const double value = f[inputs_[i].slot];
    const double x = normalized_value(value, inputs_[i].cap);
    m += weights_[i] * x;
    if (breakdown != nullptr)
      breakdown->push_back({inputs_[i].name, weights_[i], value, x, weights_[i] * x});
  }
  if (breakdown != nullptr)
    breakdown->push_back({"bias", 0, 0, 0, bias_});
  return 100.0 * sigmoid(m);
}

} // namespace cohort::actors
