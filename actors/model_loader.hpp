#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/engine_model.hpp"
#include "actors/logistic_model.hpp"
#include "actors/session_state.hpp"
#include "config/config.hpp"

namespace cohort::actors {

/// Compiles the rules and the score model of `cfg` into an engine model with `version`.
/// Returns nullptr and appends every problem (rule name, line, column) to `errors`. A
/// learned score reads `learned` (see score_model::from_config).
std::shared_ptr<const actors::engine_model>
build_model(const config::config& cfg, std::uint64_t version, std::vector<std::string>& errors,
            std::shared_ptr<learned_board> learned = nullptr);

/// The limits every session actor works within, from `cfg`'s sessions and ingest sections.
actors::session_limits session_limits_of(const config::config& cfg);

} // namespace cohort::actors

namespace cohort::actors {

/// Outcome of a reload: the version now running, and why a refused reload was refused.
struct reload_outcome {
  bool applied = false;
  std::uint64_t version = 0;
  std::vector<std::string> errors;
};

/// Re-reads the config file and swaps in its rules, score model and placements, for
/// SIGHUP and POST /admin/api/reload. A file with any error is refused as a whole and
/// the running model stays. Thread-safe; reloads are serialized.
class model_reloader {
public:
  model_reloader(std::string config_path, std::shared_ptr<actors::model_holder> holder);

  reload_outcome reload();

private:
  std::string path_;
  std::shared_ptr<actors::model_holder> holder_;
  std::mutex mutex_;
};

} // namespace cohort::actors
