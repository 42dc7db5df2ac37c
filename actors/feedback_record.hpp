#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "actors/decision_record.hpp"
#include "codecs/result.hpp"

namespace cohort::actors {

/// One outcome of POST /v1/outcomes, validated by the endpoint: it names its decision by
/// `decision_id`, or (empty id) by `user_id` + `placement` (their latest decision).
struct outcome_item {
  std::string decision_id;
  std::string user_id;
  std::string placement;
  std::string outcome;     ///< impression | click | conversion
  std::string message_id;  ///< "" = dedup by (decision, outcome) only.
  MSGPACK_DEFINE(decision_id, user_id, placement, outcome, message_id)
};

/// One record of a cluster's feedback log (<prefix>.feedback, one partition): a decision a
/// node made, one request of outcomes a node took, or a rollback of the learned score. Every node's learner applies the
/// log in order, so all of them count the same outcomes against the same decisions and
/// reach the same posteriors and learned score (docs/cluster.md, "The feedback loop").
struct feedback_record {
  enum class kind : std::uint8_t { decision = 0, outcomes = 1, rollback = 2 };
  kind what = kind::decision;
  decision_record decision;          ///< decision
  std::string request;               ///< outcomes, rollback: the id its node waits for
  std::vector<outcome_item> items;   ///< outcomes
  std::int64_t at_ms = 0;            ///< outcomes, rollback: when its node took them
  /// rollback: the version it rolls back from. Applied only while that version is current,
  /// so applying the record again (a retried batch, a replay after a crash) is a no-op.
  std::uint64_t from_version = 0;
};

/// Where a node's learner stands in the feedback log: the next offset to apply and the
/// log's clock there (the latest record time seen, so that every node judges the
/// attribution window by the same time whatever its own clock says).
struct feedback_position {
  std::int64_t next_offset = 0;
  std::int64_t log_ms = 0;
  MSGPACK_DEFINE(next_offset, log_ms)
};

/// msgpack bytes of `record` (positional; new fields go last).
std::string encode(const feedback_record& record);
/// Fails (400) on bytes that are not a feedback record, saying why.
result<feedback_record> decode_feedback(std::string_view bytes);

} // namespace cohort::actors
