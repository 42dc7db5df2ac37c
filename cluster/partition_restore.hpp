#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "actors/journal.hpp"
#include "kafka/kafka_consumer.hpp"
#include "kafka/kafka_options.hpp"
#include "kafka/kafka_producer.hpp"

namespace cohort::cluster {

/// What claiming and restoring an events partition found (docs/cluster.md, section 3).
struct restored_partition {
  std::uint64_t epoch = 0;    ///< This owner's claim.
  std::int64_t marker = 0;    ///< The events offset consumption resumes at.
  std::size_t profiles = 0;   ///< Snapshots written to the local cache.
  std::uint64_t ignored = 0;  ///< Zombie records the restore rule left out.
};

/// Claims events partition `partition` for `node_id` and restores its state: reads
/// partition `partition` of the state topic to its end, produces the claim [E+1, node]
/// (E = the highest claim seen) and waits for it, reads on up to the claim, then writes
/// every profile's latest valid snapshot into `cache` (overwriting; deleted ones are
/// deleted). Fails (503/504) when Kafka does not answer before `deadline`, (400) on an
/// unreadable record, or with the cache's error; nothing is claimed when the first read
/// fails. `reader` is a manual consumer (assigned only while it reads).
result<restored_partition> claim_and_restore(const kafka::kafka_options& options,
                                             kafka::kafka_consumer& reader, kafka::kafka_producer& producer,
                                             const std::string& node_id,
                                             std::int32_t partition, actors::journal& cache,
                                             std::chrono::steady_clock::time_point deadline);

} // namespace cohort::cluster
