#include "cluster/partition_restore.hpp"

#include <future>

#include "kafka/kafka_consumer.hpp"
#include "cluster/log_records.hpp"

namespace cohort::cluster {

namespace {

/// Snapshots written to the cache per write.
constexpr std::size_t cache_batch = 512;

/// Produces `value` under `key` and waits for its offset until `deadline`.
result<std::int64_t> produce_and_wait(kafka::kafka_producer& producer, const std::string& topic,
                                      std::int32_t partition, std::string key, std::string value,
                                      std::chrono::steady_clock::time_point deadline) {
  auto done = std::make_shared<std::promise<result<std::int64_t>>>();
  auto answer = done->get_future();
  producer.produce(topic, partition, std::move(key), std::move(value),
                   [done](result<std::int64_t> offset) { done->set_value(std::move(offset)); });
  if (answer.wait_until(deadline) != std::future_status::ready)
    return failure{504, "claim on " + topic + "/" + std::to_string(partition)
                          + " not acknowledged in time"};
  return answer.get();
}

result<bool> write_cache(const state_fold& fold, actors::journal& cache) {
  actors::keyed_writes writes;
  for (const auto& [profile, bytes] : fold.snapshots()) {
    writes.emplace_back(profile, bytes.empty() ? std::nullopt : std::optional<std::string>(bytes));
    if (writes.size() == cache_batch) {
      if (auto written = cache.put_snapshots(writes); !written)
        return written;
      writes.clear();
    }
  }
  return writes.empty() ? result<bool>{true} : cache.put_snapshots(writes);
}

} // namespace

result<restored_partition> claim_and_restore(const kafka::kafka_options& options,
                                             kafka::kafka_consumer& reader, kafka::kafka_producer& producer,
                                             const std::string& node_id,
                                             std::int32_t partition, actors::journal& cache,
                                             std::chrono::steady_clock::time_point deadline) {
  auto topic = kafka::topic_name(options, kafka::topics::state);
  state_fold fold;
  std::optional<failure> unreadable;
  auto take = [&](const kafka::kafka_message& m) {
    if (auto added = fold.add(m.key, m.value); !added && !unreadable)
      unreadable = failure{400, topic + "/" + std::to_string(partition) + " offset "
                                  + std::to_string(m.offset) + ": " + added.error().reason};
  };
  auto end = reader.read_to_end(topic, partition, kafka::offsets::beginning, take, deadline);
  if (!end)
    return end.error();
  if (unreadable)
    return *unreadable;
  const auto epoch = fold.highest_epoch() + 1;
  auto claimed = produce_and_wait(producer, topic, partition, std::string(claim_key),
                                  encode_claim(epoch, node_id), deadline);
  if (!claimed)
    return claimed.error();
  // Records written between the read and the claim (the previous owner's last ones)
  // count by the restore rule; the claim itself ends the read.
  if (auto more = reader.read_range(topic, partition, *end, *claimed + 1, take, deadline);
      !more)
    return more.error();
  if (unreadable)
    return *unreadable;
  if (fold.epoch() != epoch)
    return failure{409, topic + "/" + std::to_string(partition) + ": claimed by another owner"
                          " with epoch " + std::to_string(fold.epoch()) + " meanwhile"};
  if (auto written = write_cache(fold, cache); !written)
    return written.error();
  return restored_partition{fold.epoch(), fold.marker(), fold.snapshots().size(), fold.ignored()};
}

} // namespace cohort::cluster
