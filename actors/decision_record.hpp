#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

namespace cohort::actors {

/// One answer of GET /v1/personalize as it is kept for attribution (SPEC 5): what was
/// served, to whom and under which model, so an outcome naming the decision credits the
/// variant that was really shown (never what a client claims). `features` are the user's
/// numeric feature values at decision time (config::feature slot order), kept so that a
/// learned score model can later train from decisions and their outcomes.
struct decision_record {
  std::string id;  ///< decisionId
  std::string user_id;
  std::string placement;
  std::string segment;
  std::string variant;
  bool holdout = false;
  std::string model_kind;  ///< model.kind of the response
  std::uint64_t model_version = 0;
  std::int64_t at_ms = 0;  ///< When the decision was made (receive time).
  std::vector<double> features;
  MSGPACK_DEFINE(id, user_id, placement, segment, variant, holdout, model_kind, model_version,
                 at_ms, features)
};

} // namespace cohort::actors
