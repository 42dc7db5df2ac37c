#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codecs/decoded_batch.hpp"
#include "codecs/native_mapping.hpp"

namespace cohort::connectors {

/// How a source's records are written (config kafka.sources[i].format / encoding).
struct record_format {
  bool native = false;   ///< false: one Segment message (JSON object with `type`).
  bool msgpack = false;  ///< native only: the record is msgpack, not JSON.
};

/// One Kafka record to decode.
struct record_ref {
  const std::string& topic;
  std::int32_t partition;
  std::int64_t offset;
  const std::string& value;
};

/// "topic/partition@offset": where a record is, in dead letters and logs.
std::string record_place(const std::string& topic, std::int32_t partition, std::int64_t offset);

/// Decodes one record with the same decoders as the HTTP endpoints (a Segment message as a
/// /v1/batch of one, a native record as a /v1/events array of one). An event without a
/// messageId gets "kafka:<topic>/<partition>@<offset>" (":<i>" for the i-th event after the
/// first), so that re-reading a record after a crash is recognised by the per-user dedup.
/// A record that does not decode is one rejection of its raw value; every rejection's
/// reason ends with "(kafka <topic>/<partition>@<offset>)". Never fails as a whole.
codecs::decoded_batch decode_record(const record_ref& record, record_format format,
                                    const std::vector<codecs::mapping_rule>& mappings,
                                    const codecs::decode_context& ctx);

} // namespace cohort::connectors
