#include "config/tree_ensemble.hpp"

#include <cmath>
#include <cstdlib>
#include <set>

#include <simdjson.h>

namespace cohort::config {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

/// Thrown inside parse() only, and turned into its `error` there.
struct parse_failure {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw parse_failure{std::move(message)}; }

element member(object o, std::string_view key, const std::string& where) {
  element e;
  if (o[key].get(e) != simdjson::SUCCESS) fail(where + " has no '" + std::string(key) + "'");
  return e;
}

object as_object(element e, const std::string& where) {
  object o;
  if (e.get(o) != simdjson::SUCCESS) fail(where + " is not an object");
  return o;
}

array as_array(element e, const std::string& where) {
  array a;
  if (e.get(a) != simdjson::SUCCESS) fail(where + " is not an array");
  return a;
}

std::string as_string(element e, const std::string& where) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) fail(where + " is not a string");
  return std::string(s);
}

double as_number(element e, const std::string& where) {
  switch (e.type()) {
    case element_type::INT64: return static_cast<double>(std::int64_t(e));
    case element_type::UINT64: return static_cast<double>(std::uint64_t(e));
    case element_type::DOUBLE: return double(e);
    case element_type::BOOL: return bool(e) ? 1 : 0;
    default: fail(where + " is not a number");
  }
}

/// XGBoost writes parameters as strings ("5E-1"); 2.x wraps base_score in brackets.
double number_in_string(element e, const std::string& where) {
  if (e.type() != element_type::STRING) return as_number(e, where);
  std::string text = as_string(e, where);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    fail(where + " is not a number: \"" + text + "\"");
  return value;
}

std::vector<double> numbers(object tree, std::string_view key, const std::string& where) {
  const std::string at = where + "." + std::string(key);
  std::vector<double> out;
  for (element e : as_array(member(tree, key, where), at)) out.push_back(as_number(e, at));
  return out;
}

/// One tree as XGBoost stores it: parallel arrays indexed by XGBoost's node id.
struct raw_tree {
  std::vector<double> left, right, split_index, split, hessian;
};

raw_tree read_tree(object tree, const std::string& where) {
  raw_tree t;
  t.left = numbers(tree, "left_children", where);
  t.right = numbers(tree, "right_children", where);
  t.split_index = numbers(tree, "split_indices", where);
  t.split = numbers(tree, "split_conditions", where);
  t.hessian = numbers(tree, "sum_hessian", where);
  const std::size_t n = t.left.size();
  const std::pair<const char*, std::size_t> sizes[] = {
      {"right_children", t.right.size()}, {"split_indices", t.split_index.size()},
      {"split_conditions", t.split.size()}, {"sum_hessian", t.hessian.size()},
      {"default_left", numbers(tree, "default_left", where).size()},
      {"base_weights", numbers(tree, "base_weights", where).size()}};
  if (n == 0) fail(where + " has no nodes");
  for (const auto& [key, size] : sizes)
    if (size != n)
      fail(where + "." + key + " has " + std::to_string(size) + " entries, left_children "
           + std::to_string(n));
  element split_type;
  if (tree["split_type"].get(split_type) == simdjson::SUCCESS)
    for (double type : numbers(tree, "split_type", where))
      if (type != 0) fail(where + " has a categorical split: only numeric splits are supported");
  return t;
}

bool is_index(double v, std::size_t size) {
  return v >= 0 && v < static_cast<double>(size) && v == std::floor(v);
}

/// Appends `t` to `nodes` in breadth-first order, so that siblings sit side by side, and
/// fills in the node means. Fails on a child out of range or reached twice (a cycle).
void pack(const raw_tree& t, const std::vector<feature>& features,
          std::vector<tree_ensemble::node>& nodes, const std::string& where) {
  const std::size_t n = t.left.size();
  const std::size_t base = nodes.size();
  std::vector<std::size_t> order{0};  // XGBoost ids in packed order
  std::vector<bool> reached(n, false);
  reached[0] = true;
  nodes.emplace_back();
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t id = order[k];
    const std::string at = where + " node " + std::to_string(id);
    if (!std::isfinite(t.split[id])) fail(at + " has a split_condition that is not finite");
    nodes[base + k].split = static_cast<float>(t.split[id]);
    if (t.left[id] == -1 && t.right[id] == -1) continue;  // a leaf
    for (double child : {t.left[id], t.right[id]}) {
      if (!is_index(child, n)) fail(at + " has a child out of range");
      if (reached[static_cast<std::size_t>(child)])
        fail(at + " points at node " + std::to_string(static_cast<std::size_t>(child))
             + " that is already in the tree (a cycle)");
      reached[static_cast<std::size_t>(child)] = true;
    }
    if (!is_index(t.split_index[id], features.size()))
      fail(at + " splits on column " + std::to_string(t.split_index[id]) + " of "
           + std::to_string(features.size()) + " feature_names");
    if (!(t.hessian[id] > 0)) fail(at + " has a sum_hessian that is not positive");
    nodes[base + k].feature =
        static_cast<std::uint32_t>(features[static_cast<std::size_t>(t.split_index[id])]);
    nodes[base + k].left = static_cast<std::int32_t>(base + order.size());
    order.push_back(static_cast<std::size_t>(t.left[id]));
    order.push_back(static_cast<std::size_t>(t.right[id]));
    nodes.resize(nodes.size() + 2);
  }
  // Children come after their parent, so one backward pass sees them first. In float and
  // divided by the node's own sum_hessian, as XGBoost's FillNodeMeanValues does.
  for (std::size_t k = order.size(); k-- > 0;) {
    auto& node = nodes[base + k];
    if (node.left < 0) {
      node.mean = node.split;
      continue;
    }
    const auto l = static_cast<std::size_t>(node.left) - base;
    const float left = nodes[base + l].mean * static_cast<float>(t.hessian[order[l]]);
    const float right = nodes[base + l + 1].mean * static_cast<float>(t.hessian[order[l + 1]]);
    node.mean = (left + right) / static_cast<float>(t.hessian[order[k]]);
  }
}

} // namespace

double tree_ensemble::margin(const double* slots) const {
  double sum = base_margin_;
  for (const std::uint32_t root : roots_) {
    std::uint32_t i = root;
    while (nodes_[i].left >= 0) {
      const node& n = nodes_[i];
      i = static_cast<std::uint32_t>(n.left)
          + (static_cast<float>(slots[n.feature]) < n.split ? 0u : 1u);
    }
    sum += nodes_[i].split;
  }
  return sum;
}

void tree_ensemble::contributions(const double* slots, double* per_slot, double& bias) const {
  for (const std::uint32_t root : roots_) {
    std::uint32_t i = root;
    bias += nodes_[i].mean;
    while (nodes_[i].left >= 0) {
      const node& n = nodes_[i];
      i = static_cast<std::uint32_t>(n.left)
          + (static_cast<float>(slots[n.feature]) < n.split ? 0u : 1u);
      per_slot[n.feature] += static_cast<double>(nodes_[i].mean) - n.mean;
    }
  }
}

std::optional<tree_ensemble> tree_ensemble::parse(std::string_view json, std::string& error) {
  simdjson::dom::parser parser;
  element root;
  if (auto code = parser.parse(json.data(), json.size()).get(root); code != simdjson::SUCCESS) {
    error = std::string("not JSON: ") + simdjson::error_message(code);
    return std::nullopt;
  }
  try {
    tree_ensemble out;
    const object learner = as_object(member(as_object(root, "the model"), "learner", "the model"),
                                     "learner");
    const std::string objective = as_string(
        member(as_object(member(learner, "objective", "learner"), "learner.objective"), "name",
               "learner.objective"),
        "learner.objective.name");
    if (objective != "binary:logistic")
      fail("learner.objective.name is '" + objective + "': only binary:logistic is supported");

    const double base_score = number_in_string(
        member(as_object(member(learner, "learner_model_param", "learner"),
                         "learner.learner_model_param"),
               "base_score", "learner.learner_model_param"),
        "learner.learner_model_param.base_score");
    if (!(base_score > 0 && base_score < 1))
      fail("learner.learner_model_param.base_score must be in (0, 1)");
    // As XGBoost computes it (in float), so that margins agree to the last bits.
    const float b = static_cast<float>(base_score);
    out.base_margin_ = -std::log(1.0f / b - 1.0f);

    element names;
    if (learner["feature_names"].get(names) != simdjson::SUCCESS
        || as_array(names, "learner.feature_names").size() == 0)
      fail("learner.feature_names is missing: name the model's columns after Cohort features");
    std::set<feature> seen;  // slots: drop_off_rate is another name of bounce_rate
    for (element e : as_array(names, "learner.feature_names")) {
      std::string name = as_string(e, "learner.feature_names");
      const auto info = find_feature(name);
      if (!info) fail("feature '" + name + "' is not a Cohort feature");
      if (info->type == value_type::string || info->slot == feature::score)
        fail("feature '" + name + "' is not a numeric or boolean feature");
      if (!seen.insert(info->slot).second)
        fail("feature '" + name + "' appears twice (or under another name)");
      out.features_.push_back(info->slot);
      out.feature_names_.push_back(std::move(name));
    }

    const object booster = as_object(member(learner, "gradient_booster", "learner"),
                                     "learner.gradient_booster");
    const std::string kind = as_string(member(booster, "name", "learner.gradient_booster"),
                                       "learner.gradient_booster.name");
    if (kind != "gbtree")
      fail("learner.gradient_booster.name is '" + kind + "': only gbtree is supported");
    const object model = as_object(member(booster, "model", "learner.gradient_booster"),
                                   "learner.gradient_booster.model");
    const array trees = as_array(member(model, "trees", "learner.gradient_booster.model"),
                                 "learner.gradient_booster.model.trees");
    std::size_t index = 0;
    for (element e : trees) {
      const std::string where = "trees[" + std::to_string(index++) + "]";
      out.roots_.push_back(static_cast<std::uint32_t>(out.nodes_.size()));
      pack(read_tree(as_object(e, where), where), out.features_, out.nodes_, where);
    }
    return out;
  } catch (const parse_failure& f) {
    error = f.message;
    return std::nullopt;
  }
}

} // namespace cohort::config
