#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/feature_catalog.hpp"

namespace cohort::config {

/// A boosted tree ensemble for `score.model: tree`, read from the JSON that XGBoost
/// (>= 1.0) writes with `save_model("x.json")` for a `binary:logistic` gbtree model.
/// Trees are packed into one node vector, children side by side, so that scoring an
/// event walks contiguous memory and allocates nothing. Immutable once read.
class tree_ensemble {
public:
  /// One node. An inner node sends x to `left` when float(x[feature]) < split (XGBoost's
  /// rule; Cohort features are never missing) and to `left + 1` otherwise.
  struct node {
    float split = 0;   ///< The threshold, or the leaf value at a leaf.
    float mean = 0;    ///< sum_hessian-weighted mean of the leaf values below (XGBoost's
                       ///< node mean, for the approximate contributions).
    std::int32_t left = -1;      ///< Index of the left child in `nodes`; -1 at a leaf.
    std::uint32_t feature = 0;   ///< Catalogue slot (config::feature) split on.
  };

  /// Parses XGBoost model JSON. Returns nullopt and sets `error` (one sentence) on bad
  /// JSON, another objective or booster, a feature name outside the catalogue or not
  /// numeric, and on tree arrays that disagree in length, point out of range or loop.
  static std::optional<tree_ensemble> parse(std::string_view json, std::string& error);

  /// The log-odds before any tree: logit(base_score).
  double base_margin() const { return base_margin_; }
  /// The model's features in XGBoost's column order, as catalogue slots and names.
  const std::vector<feature>& features() const { return features_; }
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  std::size_t tree_count() const { return roots_.size(); }

  /// base_margin + the leaf value of every tree; `slots` holds feature_count values
  /// indexed by catalogue slot.
  double margin(const double* slots) const;

  /// Adds each tree's path attribution (Saabas; XGBoost's approximate `pred_contribs`)
  /// to `per_slot[slot]` of the feature split on, and the trees' root means to `bias`.
  /// base_margin + bias + the sum of per_slot equals margin(slots).
  void contributions(const double* slots, double* per_slot, double& bias) const;

private:
  double base_margin_ = 0;
  std::vector<feature> features_;
  std::vector<std::string> feature_names_;
  std::vector<std::uint32_t> roots_;  ///< Index of each tree's root in `nodes_`.
  std::vector<node> nodes_;
};

} // namespace cohort::config
