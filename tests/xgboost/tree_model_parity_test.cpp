// score.model: tree against XGBoost itself: a model trained and saved by libxgboost, read
// by Cohort's config loader, must predict what libxgboost predicts, and its breakdown must
// be libxgboost's approximate contributions.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <xgboost/c_api.h>

#include "actors/score_model.hpp"
#include "config/loader.hpp"

using namespace cohort;

namespace {

/// Fails the test with XGBoost's own message when a C API call fails.
void check(int rc) { BOOST_REQUIRE_MESSAGE(rc == 0, XGBGetLastError()); }

const std::vector<std::string> k_features = {"time_on_page", "cart_adds", "page_depth",
                                             "is_mobile", "bounce_rate"};

/// Rows of the five features above: counts are whole numbers (so they land on split
/// thresholds), the rest continuous.
std::vector<float> random_rows(std::size_t rows, std::mt19937& rng) {
  std::uniform_real_distribution<float> seconds(0, 120), share(0, 1);
  std::uniform_int_distribution<int> count(0, 6), coin(0, 1);
  std::vector<float> out;
  for (std::size_t i = 0; i < rows; ++i) {
    out.insert(out.end(), {seconds(rng), float(count(rng)), float(count(rng)), float(coin(rng)),
                           share(rng)});
  }
  return out;
}

std::vector<const char*> feature_names() {
  std::vector<const char*> names;
  for (const auto& name : k_features) names.push_back(name.c_str());
  return names;
}

DMatrixHandle matrix(const std::vector<float>& rows) {
  DMatrixHandle m = nullptr;
  const std::size_t n = rows.size() / k_features.size();
  check(XGDMatrixCreateFromMat(rows.data(), n, k_features.size(), NAN, &m));
  check(XGDMatrixSetStrFeatureInfo(m, "feature_name", feature_names().data(), k_features.size()));
  return m;
}

/// A directory of its own under the temp dir, removed at the end.
struct scratch_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path()
                               / ("cohort-xgboost-" + std::to_string(::getpid()));
  scratch_dir() { std::filesystem::create_directories(path); }
  ~scratch_dir() { std::filesystem::remove_all(path); }
};

/// Trains a binary:logistic model on a known rule plus noise and saves it as JSON.
void train_and_save(const std::string& file) {
  std::mt19937 rng(7);
  const auto rows = random_rows(4000, rng);
  std::vector<float> labels;
  std::uniform_real_distribution<float> noise(0, 1);
  for (std::size_t i = 0; i < rows.size(); i += k_features.size()) {
    const float logit = rows[i] / 30 + rows[i + 1] - 0.5f * rows[i + 2] + rows[i + 3]
                        - 3 * rows[i + 4] - 1;
    labels.push_back(noise(rng) < 1 / (1 + std::exp(-logit)) ? 1.0f : 0.0f);
  }
  DMatrixHandle train = matrix(rows);
  check(XGDMatrixSetFloatInfo(train, "label", labels.data(), labels.size()));
  BoosterHandle booster = nullptr;
  check(XGBoosterCreate(&train, 1, &booster));
  // As Python's Booster does: the saved model names its columns.
  check(XGBoosterSetStrFeatureInfo(booster, "feature_name", feature_names().data(),
                                   k_features.size()));
  for (const auto& [key, value] :
       std::vector<std::pair<const char*, const char*>>{{"objective", "binary:logistic"},
                                                        {"max_depth", "5"},
                                                        {"eta", "0.3"},
                                                        {"base_score", "0.3"},
                                                        {"nthread", "1"},
                                                        {"tree_method", "hist"},
                                                        {"seed", "1"}})
    check(XGBoosterSetParam(booster, key, value));
  for (int round = 0; round < 40; ++round) check(XGBoosterUpdateOneIter(booster, round, train));
  check(XGBoosterSaveModel(booster, file.c_str()));
  check(XGBoosterFree(booster));
  check(XGDMatrixFree(train));
}

/// libxgboost's predictions for `rows` with `option_mask` (0 probability, 1 margin,
/// 4 | 8 approximate contributions).
std::vector<float> xgboost_predict(const std::string& file, const std::vector<float>& rows,
                                   int option_mask) {
  BoosterHandle booster = nullptr;
  check(XGBoosterCreate(nullptr, 0, &booster));
  check(XGBoosterLoadModel(booster, file.c_str()));
  DMatrixHandle m = matrix(rows);
  bst_ulong n = 0;
  const float* out = nullptr;
  check(XGBoosterPredict(booster, m, option_mask, 0, 0, &n, &out));
  std::vector<float> result(out, out + n);
  check(XGDMatrixFree(m));
  check(XGBoosterFree(booster));
  return result;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tree_model_parity)

BOOST_AUTO_TEST_CASE(predictions_and_contributions_match_libxgboost) {
  scratch_dir dir;
  const auto model_file = (dir.path / "intent.json").string();
  train_and_save(model_file);
  {
    std::ofstream yaml(dir.path / "cohort.yaml");
    yaml << "score: {model: tree, tree_model: intent.json}\n";  // relative to the config
  }
  const auto loaded = config::load_file((dir.path / "cohort.yaml").string());
  for (const auto& e : loaded.errors) BOOST_TEST_MESSAGE(e.to_string("cohort.yaml"));
  BOOST_REQUIRE(loaded.ok());
  std::vector<std::string> errors;
  const auto model = actors::score_model::from_config(loaded.cfg.score, errors);
  BOOST_REQUIRE(model);
  BOOST_TEST(model->kind() == "tree");

  std::mt19937 rng(11);
  const std::size_t n = 10000, width = k_features.size();
  const auto rows = random_rows(n, rng);
  const auto p = xgboost_predict(model_file, rows, 0);
  const auto margin = xgboost_predict(model_file, rows, 1);
  const auto contribs = xgboost_predict(model_file, rows, 4 | 8);
  BOOST_REQUIRE(p.size() == n);
  BOOST_REQUIRE(contribs.size() == n * (width + 1));

  std::vector<actors::score_term> terms;
  std::size_t p_off = 0, contrib_off = 0, sum_off = 0;
  double worst_p = 0, worst_contrib = 0;
  for (std::size_t row = 0; row < n; ++row) {
    actors::feature_values f;
    for (std::size_t i = 0; i < width; ++i)
      f[config::find_feature(k_features[i])->slot] = rows[row * width + i];
    const double score = model->evaluate(f, &terms);
    const double diff = std::abs(score / 100 - p[row]);
    worst_p = std::max(worst_p, diff);
    p_off += diff >= 1e-6;
    BOOST_REQUIRE(terms.size() == width + 1);
    for (std::size_t i = 0; i <= width; ++i) {
      BOOST_TEST(terms[i].feature == (i < width ? k_features[i] : "bias"));
      const double d = std::abs(terms[i].contribution - contribs[row * (width + 1) + i]);
      worst_contrib = std::max(worst_contrib, d);
      contrib_off += d >= 1e-5;
    }
    const double sum = std::accumulate(
        terms.begin(), terms.end(), 0.0,
        [](double acc, const auto& t) { return acc + t.contribution; });
    sum_off += std::abs(sum - margin[row]) >= 1e-5
               || std::abs(100 / (1 + std::exp(-sum)) - score) >= 1e-9;
  }
  BOOST_TEST_MESSAGE("largest |p - xgboost p| " << worst_p << ", largest contribution diff "
                                                << worst_contrib);
  BOOST_TEST(p_off == 0u, p_off << " of " << n << " probabilities differ by 1e-6 or more");
  BOOST_TEST(contrib_off == 0u, contrib_off << " contributions differ by 1e-5 or more");
  BOOST_TEST(sum_off == 0u, sum_off << " breakdowns do not sum to the margin");
}

BOOST_AUTO_TEST_SUITE_END()
