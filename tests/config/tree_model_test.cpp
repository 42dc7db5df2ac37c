// score.tree_model: the XGBoost JSON file is read at load time, and every problem with it
// is a config error at the tree_model value (so cohortd exits 2 and a reload is refused).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "config/loader.hpp"
#include "helpers.hpp"

using namespace cohort::config;
using test::expect_error;

namespace {

/// A directory of its own under the temp dir holding cohort.yaml and models, removed at
/// the end.
struct model_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path()
                               / ("cohort-tree-model-" + std::to_string(::getpid()));
  model_dir() { std::filesystem::create_directories(path / "models"); }
  ~model_dir() { std::filesystem::remove_all(path); }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }

  /// Loads a config whose score section names `models/intent.json`; the path is relative
  /// to the config file, not to the working directory.
  load_result load_with_model(const std::string& model_json) const {
    write("models/intent.json", model_json);
    write("cohort.yaml",
          "node: {id: n1}\n"
          "score:\n"
          "  model: tree\n"
          "  tree_model: models/intent.json\n");
    return load_file((path / "cohort.yaml").string());
  }
};

/// A one-split XGBoost 1.7 model: cart_adds < 1 -> -0.4, else 0.6 (sum_hessian 3 and 1).
std::string model_json(const std::string& objective = "binary:logistic",
                       const std::string& names = R"("cart_adds")",
                       const std::string& left = "[1, -1, -1]",
                       const std::string& right = "[2, -1, -1]") {
  return R"({"learner": {
    "feature_names": [)" + names + R"(],
    "learner_model_param": {"base_score": "5E-1", "num_feature": "1"},
    "objective": {"name": ")" + objective + R"("},
    "gradient_booster": {"name": "gbtree", "model": {"trees": [{
      "left_children": )" + left + R"(, "right_children": )" + right + R"(,
      "split_indices": [0, 0, 0], "split_conditions": [1.0, -0.4, 0.6],
      "default_left": [0, 0, 0], "base_weights": [0.1, -0.4, 0.6],
      "sum_hessian": [4.0, 3.0, 1.0], "split_type": [0, 0, 0]}]}}},
    "version": [1, 7, 4]})";
}

} // namespace

BOOST_AUTO_TEST_SUITE(tree_model)

BOOST_AUTO_TEST_CASE(a_model_beside_the_config_is_loaded) {
  model_dir dir;
  const load_result r = dir.load_with_model(model_json());
  BOOST_TEST_REQUIRE(r.ok(), test::dump(r));
  BOOST_REQUIRE(r.cfg.score.tree != nullptr);
  const auto& tree = *r.cfg.score.tree;
  BOOST_TEST(tree.tree_count() == 1u);
  BOOST_TEST(tree.feature_names() == std::vector<std::string>{"cart_adds"});
  BOOST_TEST(tree.base_margin() == 0.0);  // logit(0.5)
  std::array<double, feature_count> slots{};
  slots[static_cast<std::size_t>(feature::cart_adds)] = 1;  // not < 1: right
  BOOST_TEST(tree.margin(slots.data()) == 0.6, boost::test_tools::tolerance(1e-7));
  double per_slot[feature_count] = {};
  double bias = 0;
  tree.contributions(slots.data(), per_slot, bias);
  BOOST_TEST(bias == -0.15, boost::test_tools::tolerance(1e-6));  // (3 * -0.4 + 0.6) / 4
  BOOST_TEST(per_slot[static_cast<std::size_t>(feature::cart_adds)] == 0.75,
             boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_located) {
  const load_result r = test::load("score: {model: tree, tree_model: models/none.json}\n");
  expect_error(r, "score.tree_model", 1, 34, "cannot read 'models/none.json'");
  model_dir dir;
  dir.write("cohort.yaml", "score:\n  model: tree\n  tree_model: nowhere/intent.json\n");
  const load_result beside = load_file((dir.path / "cohort.yaml").string());
  expect_error(beside, "score.tree_model", 3, 15,
               "cannot read '" + (dir.path / "nowhere/intent.json").string() + "'");
}

BOOST_AUTO_TEST_CASE(bad_json_is_located) {
  model_dir dir;
  expect_error(dir.load_with_model("{\"learner\": "), "score.tree_model", 4, 15,
               "is not a usable XGBoost model: not JSON");
}

BOOST_AUTO_TEST_CASE(only_binary_logistic_is_accepted) {
  model_dir dir;
  expect_error(dir.load_with_model(model_json("reg:squarederror")), "score.tree_model", 4, 15,
               "learner.objective.name is 'reg:squarederror': only binary:logistic");
}

BOOST_AUTO_TEST_CASE(feature_names_must_be_numeric_cohort_features) {
  model_dir dir;
  expect_error(dir.load_with_model(model_json("binary:logistic", R"("basket_size")")),
               "score.tree_model", 4, 15, "feature 'basket_size' is not a Cohort feature");
  expect_error(dir.load_with_model(model_json("binary:logistic", R"("device")")),
               "score.tree_model", 4, 15, "feature 'device' is not a numeric or boolean");
  expect_error(dir.load_with_model(model_json("binary:logistic", "")), "score.tree_model", 4, 15,
               "learner.feature_names is missing");
}

BOOST_AUTO_TEST_CASE(inconsistent_trees_are_refused) {
  model_dir dir;
  const auto bad = [&](const std::string& left, const std::string& right,
                       const std::string& fragment) {
    expect_error(dir.load_with_model(model_json("binary:logistic", R"("cart_adds")", left, right)),
                 "score.tree_model", 4, 15, fragment);
  };
  bad("[1, -1, -1]", "[2, -1]", "trees[0].right_children has 2 entries, left_children 3");
  bad("[1, -1, -1]", "[7, -1, -1]", "trees[0] node 0 has a child out of range");
  bad("[1, 0, -1]", "[2, 2, -1]", "trees[0] node 1 points at node 0");  // a cycle
}

BOOST_AUTO_TEST_SUITE_END()
