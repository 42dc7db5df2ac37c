// cohort-score-bench: nanoseconds per event of score evaluation, the work a session actor
// does on every event, for score.model weighted (the SPEC example) and tree (a synthetic
// XGBoost JSON model, by default 100 trees of depth 6, read by Cohort's parser). Prints
// figures only; nothing is asserted.
//
//   cohort-score-bench [--trees N] [--depth D] [--events E]
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "actors/score_model.hpp"

using namespace cohort;

namespace {

std::vector<config::feature_info> numeric_features() {
  std::vector<config::feature_info> out;
  for (const auto& info : config::feature_catalog())
    if (info.type != config::value_type::string && info.slot != config::feature::score
        && info.name != "drop_off_rate")
      out.push_back(info);
  return out;
}

/// A full binary tree of `depth` with random splits, as XGBoost's JSON writes it; returns
/// the sum_hessian of node `id`'s subtree.
double write_node(std::mt19937& rng, int depth, std::size_t features, int id,
                  std::vector<std::vector<double>>& a) {
  // a: left, right, split_index, split, hessian, by node id
  if (depth == 0) {
    a[3][id] = std::uniform_real_distribution<double>(-0.3, 0.3)(rng);
    a[4][id] = std::uniform_real_distribution<double>(1, 10)(rng);
    return a[4][id];
  }
  const int left = 2 * id + 1, right = 2 * id + 2;
  a[0][id] = left;
  a[1][id] = right;
  a[2][id] = std::uniform_int_distribution<std::size_t>(0, features - 1)(rng);
  a[3][id] = std::uniform_real_distribution<double>(0, 10)(rng);
  a[4][id] = write_node(rng, depth - 1, features, left, a)
             + write_node(rng, depth - 1, features, right, a);
  return a[4][id];
}

std::string synthetic_model(int trees, int depth, const std::vector<config::feature_info>& fs) {
  std::mt19937 rng(42);
  std::ostringstream out;
  out << R"({"learner": {"feature_names": [)";
  for (std::size_t i = 0; i < fs.size(); ++i) out << (i ? "," : "") << '"' << fs[i].name << '"';
  out << R"(], "learner_model_param": {"base_score": "5E-1"},
    "objective": {"name": "binary:logistic"},
    "gradient_booster": {"name": "gbtree", "model": {"trees": [)";
  const std::size_t nodes = (std::size_t{1} << (depth + 1)) - 1;
  const char* keys[] = {"left_children", "right_children", "split_indices", "split_conditions",
                        "sum_hessian"};
  for (int t = 0; t < trees; ++t) {
    std::vector<std::vector<double>> a(5, std::vector<double>(nodes, -1));
    write_node(rng, depth, fs.size(), 0, a);
    out << (t ? "," : "") << "{";
    for (int k = 0; k < 5; ++k) {
      out << '"' << keys[k] << "\": [";
      for (std::size_t i = 0; i < nodes; ++i)
        out << (i ? "," : "") << (k == 2 && a[k][i] < 0 ? 0 : a[k][i]);  // leaves: column 0
      out << "],";
    }
    out << R"("default_left": [)";
    for (std::size_t i = 0; i < nodes; ++i) out << (i ? ",0" : "0");
    out << R"(], "base_weights": [)";
    for (std::size_t i = 0; i < nodes; ++i) out << (i ? "," : "") << a[3][i];
    out << "]}";
  }
  out << "]}}}}";
  return out.str();
}

volatile double keep = 0;

/// Evaluates `model` on `inputs` round-robin `events` times; returns ns per evaluation.
double ns_per_event(const actors::score_model& model,
                    const std::vector<actors::feature_values>& inputs, std::size_t events,
                    bool breakdown) {
  std::vector<actors::score_term> terms;
  double sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < events; ++i)
    sink += model.evaluate(inputs[i % inputs.size()], breakdown ? &terms : nullptr);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  keep = sink;  // the scores are used, so the loop cannot be optimised away
  return std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(events);
}

} // namespace

int main(int argc, char** argv) {
  int trees = 100, depth = 6;
  std::size_t events = 200000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--trees") == 0) trees = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--depth") == 0) depth = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--events") == 0)
      events = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::cerr << "usage: cohort-score-bench [--trees N] [--depth D] [--events E]\n";
      return 2;
    }
  }
  const auto features = numeric_features();
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> value(0, 10);
  std::vector<actors::feature_values> inputs(4096);
  for (auto& f : inputs)
    for (const auto& info : features) f[info.slot] = value(rng);

  config::score_config weighted;  // the SPEC section 9 example
  weighted.weights = {{"time_on_page", 0.4}, {"cart_adds", 0.3}, {"wishlist_visits", 0.2},
                      {"is_mobile", 0.1}};
  weighted.caps = {{"time_on_page", 60}, {"cart_adds", 1}, {"wishlist_visits", 3}};
  std::string problem;
  auto ensemble = config::tree_ensemble::parse(synthetic_model(trees, depth, features), problem);
  if (!ensemble) {
    std::cerr << "synthetic model refused: " << problem << '\n';
    return 1;
  }
  config::score_config tree;
  tree.model = "tree";
  tree.tree = std::make_shared<const config::tree_ensemble>(std::move(*ensemble));
  config::score_config learned = weighted;
  learned.model = "learned";
  std::vector<std::string> errors;
  const auto weighted_model = actors::score_model::from_config(weighted, errors);
  const auto tree_model = actors::score_model::from_config(tree, errors);
  const auto learned_model = actors::score_model::from_config(learned, errors);
  if (!weighted_model || !tree_model || !learned_model) {
    std::cerr << "score model refused\n";
    return 1;
  }
  std::cout << "score evaluation, ns/event (" << events << " events over " << inputs.size()
            << " feature vectors)\n";
  std::cout << "  weighted (4 factors):               "
            << ns_per_event(*weighted_model, inputs, events, false) << '\n';
  std::cout << "  learned (4 inputs, current version): "
            << ns_per_event(*learned_model, inputs, events, false) << '\n';
  std::cout << "  tree (" << trees << " trees, depth " << depth << "):           "
            << ns_per_event(*tree_model, inputs, events, false) << '\n';
  std::cout << "  tree with breakdown (profile view): "
            << ns_per_event(*tree_model, inputs, events / 10, true) << '\n';
  return 0;
}
