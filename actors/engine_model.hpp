#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <memory>
#include <mutex>

#include "actors/score_model.hpp"
#include "config/rule_set.hpp"

namespace cohort::actors {

/// Everything that turns features into a score, tags and a segment: compiled rules and
/// the score model, with the version that decisions report. Immutable once built.
struct engine_model {
  std::shared_ptr<const config::rule_set> rules;
  score_model score;
  std::map<std::string, config::placement> placements;  ///< For the decision API.
  std::uint64_t version = 1;
};

/// The model every session actor reads; a reload swaps it as a whole, so a session never
/// sees half of an old rule set and half of a new one. Thread-safe.
class model_holder {
public:
  explicit model_holder(std::shared_ptr<const engine_model> initial)
    : current_(std::move(initial)) {
  }

  std::shared_ptr<const engine_model> get() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return current_;
  }

  void set(std::shared_ptr<const engine_model> next) {
    std::lock_guard<std::mutex> guard{mutex_};
    current_ = std::move(next);
  }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const engine_model> current_;
};

} // namespace cohort::actors
