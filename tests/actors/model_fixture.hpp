#pragma once

// Builds engine models from rule text, as the config file would, for actor tests.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "actors/engine_model.hpp"

namespace cohort::test {

using named_rules = std::vector<std::pair<std::string, std::string>>;

/// The SPEC section 9 example weights and caps.
inline config::score_config spec_score() {
  config::score_config cfg;
  cfg.weights = {{"time_on_page", 0.4}, {"cart_adds", 0.3}, {"wishlist_visits", 0.2},
                 {"is_mobile", 0.1}};
  cfg.caps = {{"time_on_page", 60}, {"cart_adds", 1}, {"wishlist_visits", 3}};
  return cfg;
}

inline std::shared_ptr<const actors::engine_model>
make_model(const named_rules& tags, const named_rules& segments,
           const config::score_config& score = spec_score()) {
  auto to_rules = [](const named_rules& in) {
    std::vector<config::rule> out;
    for (const auto& [name, when] : in)
      out.push_back({name, when, 0, 0});
    return out;
  };
  std::vector<config::rule_error> errors;
  auto rules = config::rule_set::compile(to_rules(tags), to_rules(segments), errors);
  for (const auto& e : errors)
    BOOST_TEST_MESSAGE(e.to_string());
  BOOST_REQUIRE(rules);
  std::vector<std::string> score_errors;
  auto model = std::make_shared<actors::engine_model>();
  auto sm = actors::score_model::from_config(score, score_errors);
  BOOST_REQUIRE(sm);
  model->rules = rules;
  model->score = *sm;
  return model;
}

/// The SPEC section 9 tags and segments.
inline std::shared_ptr<const actors::engine_model> spec_model() {
  return make_model({{"High Consideration",
                      R"(count("product_view", "5m") >= 3 && wishlist_visits > 0)"}},
                    {{"High Intent", "score >= 85 && page_depth >= 3"},
                     {"Bounce Risk", "bounce_rate > 0.6"},
                     {"Standard", "true"}});
}

} // namespace cohort::test
