#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codecs/result.hpp"
#include "storage/store.hpp"

namespace cohort::connectors {

/// Where a Kafka source resumes: the next offset of each (group, topic, partition), kept in
/// the store's meta column and written by the ingest actor in the same write as the
/// events read before it (actors::position_writes), so the two never disagree.

/// The meta key of a partition's next offset: "kafka.source/<group>/<topic>/<partition>".
std::string position_key(const std::string& group, const std::string& topic,
                         std::int32_t partition);

/// The stored value of a next offset (decimal text).
std::string position_value(std::int64_t next_offset);

/// The stored next offset of `key`, nullopt when there is none. Fails (500) on a read error
/// or a value that is not an offset.
result<std::optional<std::int64_t>> stored_position(storage::store& db, const std::string& key);

} // namespace cohort::connectors
