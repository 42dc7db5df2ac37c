#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "actors/score_model.hpp"
#include "actors/shared_board.hpp"
#include "config/config.hpp"
#include "config/feature_catalog.hpp"

namespace cohort::actors {

/// One training or evaluation example of the learned score: the model's inputs already
/// normalized (logistic_model::normalize) and whether the decision led to a reward (1)
/// or not (0).
struct labeled_example {
  std::vector<double> x;
  double label = 0;
  MSGPACK_DEFINE(x, label)
};

/// The `learned` score model's math (issue 17): a logistic regression
/// p = sigmoid(w . x + b) over the features named in score.weights, each read like the
/// weighted model reads it (normalized_value: x / cap clipped, or clipped to [0, 1]),
/// trained one example at a time by SGD on the log-loss with L2 on the weights.
/// A plain value: copies are independent (a candidate is trained on a copy).
class logistic_model {
public:
  /// One input: the feature slot it reads and its cap.
  struct input {
    config::feature slot;
    std::string name;
    std::optional<double> cap;
  };

  logistic_model(std::vector<input> inputs, std::vector<double> weights, double bias);

  /// The initial model of a config: the tangent of the weighted score at its midpoint.
  /// With s = sum(w_i * x_i) / sum(w_i) the weighted score / 100, it starts at
  /// p = sigmoid(4 * (s - 0.5)), i.e. weight_i = 4 * w_i / sum(w_i) and bias = -2: p is 0.5
  /// where s is, has the same slope there (sigmoid'(0) = 1/4) and orders users as the
  /// weighted score does. Errors as score_model::from_config (nullopt, named in `errors`);
  /// no weights (or a zero sum) start at all zero (p = 0.5 for everyone).
  static std::optional<logistic_model> from_config(const config::score_config& cfg,
                                                   std::vector<std::string>& errors);

  /// The inputs read from feature values in config::feature slot order (`slots` holds
  /// config::feature_count values: feature_values::numbers, decision_record::features).
  std::vector<double> normalize(const double* slots) const;

  /// w . x + b of normalized inputs.
  double margin(const std::vector<double>& x) const;
  /// sigmoid(margin(x)), in (0, 1).
  double predict(const std::vector<double>& x) const;

  /// One SGD step on the log-loss of `example`:
  /// w -= rate * ((p - y) * x + l2 * w), b -= rate * (p - y) (the bias is not decayed).
  void train(const labeled_example& example, double rate, double l2);

  /// w += amount * x, b += amount: the SGD step that raising an already trained example's
  /// label from 0 to 1 adds (the log-loss gradient in the margin, p - y, drops by 1).
  void shift(const std::vector<double>& x, double amount);

  /// The mean log-loss -[y log p + (1 - y) log(1 - p)] over `examples`, p clipped to
  /// [1e-15, 1 - 1e-15] so that one confident mistake costs a finite amount. NaN when
  /// `examples` is empty (there is nothing to measure).
  template <class Range>
  double log_loss(const Range& examples) const {
    double sum = 0;
    std::size_t n = 0;
    for (const labeled_example& e : examples) {
      sum += example_loss(e);
      ++n;
    }
    return n == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(n);
  }

  /// The score (100 * p) and, when `breakdown` is set, one term per input plus "bias", in
  /// margin units like the tree model's (score_term), summing to the margin.
  double evaluate(const feature_values& f, std::vector<score_term>* breakdown) const;

  const std::vector<input>& inputs() const { return inputs_; }
  const std::vector<double>& weights() const { return weights_; }
  double bias() const { return bias_; }

private:
  double example_loss(const labeled_example& e) const;

  std::vector<input> inputs_;
  std::vector<double> weights_;
  double bias_ = 0;
};

/// The learned score sessions and decisions use now: the current version of the model.
struct learned_score {
  logistic_model model;
  std::uint64_t version = 1;
};

/// Where the learner publishes each promoted or restored version (score_model reads it).
using learned_board = shared_board<learned_score>;

} // namespace cohort::actors
