// score.model: tree through the path a node takes: config file -> build_model -> a session
// applying events -> the profile's score, breakdown and segment.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <unistd.h>

#include "actors/model_loader.hpp"
#include "actors/session_state.hpp"
#include "config/loader.hpp"

using namespace cohort;

namespace {

/// One split: cart_adds < 1 -> -0.4 (sum_hessian 3), else 1.6 (sum_hessian 1); the root's
/// mean is (3 * -0.4 + 1.6) / 4 = 0.1. base_score 0.3.
const char* k_model = R"({"learner": {
  "feature_names": ["cart_adds"],
  "learner_model_param": {"base_score": "3E-1", "num_feature": "1"},
  "objective": {"name": "binary:logistic"},
  "gradient_booster": {"name": "gbtree", "model": {"trees": [{
    "left_children": [1, -1, -1], "right_children": [2, -1, -1],
    "split_indices": [0, 0, 0], "split_conditions": [1.0, -0.4, 1.6],
    "default_left": [1, 0, 0], "base_weights": [0.1, -0.4, 1.6],
    "sum_hessian": [4.0, 3.0, 1.0]}]}}}})";

struct tree_node_fixture {
  std::filesystem::path dir = std::filesystem::temp_directory_path()
                              / ("cohort-tree-score-" + std::to_string(::getpid()));
  std::shared_ptr<const actors::engine_model> model;
  actors::session_state s{"u1", actors::session_limits{}};
  std::vector<actors::change_event> changes;

  tree_node_fixture() {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "intent.json") << k_model;
    std::ofstream(dir / "cohort.yaml") << "score: {model: tree, tree_model: intent.json}\n"
                                          "segments:\n"
                                          "  - {name: Likely Buyer, when: 'score >= 50'}\n"
                                          "  - {name: Browser, when: 'true'}\n";
    auto loaded = config::load_file((dir / "cohort.yaml").string());
    for (const auto& e : loaded.errors) BOOST_TEST_MESSAGE(e.to_string("cohort.yaml"));
    BOOST_REQUIRE(loaded.ok());
    std::vector<std::string> errors;
    model = actors::build_model(loaded.cfg, 1, errors);
    BOOST_REQUIRE(model);
  }
  ~tree_node_fixture() { std::filesystem::remove_all(dir); }

  void apply(std::string id, std::string type, std::int64_t ts) {
    codecs::event ev;
    ev.message_id = std::move(id);
    ev.user_id = "u1";
    ev.type = std::move(type);
    ev.timestamp_ms = ev.received_ms = ts;
    s.apply(ev, *model, changes);
  }
};

double percent(double margin) { return 100 / (1 + std::exp(-margin)); }

const double k_base_margin = std::log(0.3 / 0.7);

} // namespace

BOOST_FIXTURE_TEST_SUITE(tree_score, tree_node_fixture)

BOOST_AUTO_TEST_CASE(the_profile_score_is_100_times_the_model_probability) {
  apply("1", "page_view", 1000);
  auto p = s.view(*model);
  BOOST_TEST(p.model_kind == "tree");
  BOOST_TEST(p.score == percent(k_base_margin - 0.4), boost::test_tools::tolerance(1e-5));
  BOOST_TEST(p.segment == "Browser");

  apply("2", "add_to_cart", 2000);
  p = s.view(*model);
  BOOST_TEST(p.score == percent(k_base_margin + 1.6), boost::test_tools::tolerance(1e-5));
  BOOST_TEST(p.segment == "Likely Buyer");  // rules see the tree's score on every event

  BOOST_REQUIRE(p.breakdown.size() == 2u);
  BOOST_TEST(p.breakdown[0].feature == "cart_adds");
  BOOST_TEST(p.breakdown[0].value == 1.0);
  BOOST_TEST(p.breakdown[0].contribution == 1.5, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(p.breakdown[1].feature == "bias");
  BOOST_TEST(p.breakdown[1].contribution == k_base_margin + 0.1,
             boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_SUITE_END()
