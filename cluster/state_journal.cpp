#include "cluster/state_journal.hpp"

#include "cluster/log_records.hpp"

namespace cohort::cluster {

state_journal::state_journal(std::shared_ptr<actors::journal> local,
                             std::shared_ptr<kafka::kafka_producer> producer, std::string state_topic,
                             std::int32_t partition, std::uint64_t epoch,
                             std::chrono::milliseconds wait)
  : local_(std::move(local)), producer_(std::move(producer)), topic_(std::move(state_topic)),
    partition_(partition), epoch_(epoch), wait_(wait) {
}

result<bool> state_journal::append(actors::event_batch&, const actors::keyed_writes&,
                                   const actors::keyed_writes&) {
  return failure{500, "a cluster partition's log is its Kafka partition: nothing is appended "
                      "by its owner"};
}

void state_journal::produce_tracked(std::string topic, std::int32_t partition, std::string key,
                                    std::string value,
                                    kafka::kafka_producer::delivery_callback delivered) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    ++in_flight_;
  }
  // The delivery may come after the partition was revoked and its actors dropped the
  // journal (a node stopped for longer than its session): it keeps the journal alive.
  producer_->produce(std::move(topic), partition, std::move(key), std::move(value),
                     [self = shared_from_this(),
                      delivered = std::move(delivered)](result<std::int64_t> offset) {
                       if (delivered)
                         delivered(offset);
                       std::lock_guard<std::mutex> guard{self->mutex_};
                       --self->in_flight_;
                       self->settled_.notify_all();
                     });
}

void state_journal::produce_snapshot(const std::string& key, const std::string& value) {
  produce_state_record(snapshot_key(key), value);
}

void state_journal::produce_state_record(const std::string& record_key, const std::string& value) {
  produce_tracked(topic_, partition_, record_key, value,
                  [self = shared_from_this(), record_key, value](result<std::int64_t> offset) {
                    if (offset)
                      return;
                    std::lock_guard<std::mutex> guard{self->mutex_};
                    self->failed_.insert_or_assign(record_key, value);
                  });
}

result<bool> state_journal::put_snapshot(const std::string& key, const std::string& bytes) {
  if (auto stored = local_->put_snapshot(key, bytes); !stored)
    return stored;
  produce_snapshot(key, encode_snapshot(epoch_, bytes));
  return true;
}

result<bool> state_journal::put_snapshots(const actors::keyed_writes& snapshots) {
  if (auto stored = local_->put_snapshots(snapshots); !stored)
    return stored;
  for (const auto& [key, bytes] : snapshots)
    produce_snapshot(key, encode_snapshot(epoch_, bytes.value_or(std::string{})));
  return true;
}

result<actors::keyed_writes> state_journal::identity_records() {
  return actors::keyed_writes{};
}

result<std::optional<std::string>> state_journal::get_snapshot(const std::string& key) {
  return local_->get_snapshot(key);
}

bool state_journal::has_failures() {
  std::lock_guard<std::mutex> guard{mutex_};
  return !failed_.empty() || !redo_.empty();
}

bool state_journal::drained() {
  std::unique_lock<std::mutex> lock{mutex_};
  return settled_.wait_for(lock, wait_, [this] { return in_flight_ == 0; });
}

void state_journal::produce_durable(std::string topic, std::int32_t partition, std::string key,
                                    std::string value) {
  redo_record record{std::move(topic), partition, std::move(key), std::move(value)};
  auto copy = record;
  produce_tracked(std::move(copy.topic), copy.partition, std::move(copy.key),
                  std::move(copy.value),
                  [self = shared_from_this(), record = std::move(record)](result<std::int64_t> offset) {
                    if (offset)
                      return;
                    std::lock_guard<std::mutex> guard{self->mutex_};
                    self->redo_.push_back(record);
                  });
}

bool state_journal::produce_failed_again() {
  std::map<std::string, std::string> again;
  std::vector<redo_record> redo;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    again.swap(failed_);
    redo.swap(redo_);
  }
  if (again.empty() && redo.empty())
    return true;
  for (auto& [key, value] : again)
    produce_state_record(key, value);
  for (auto& r : redo)
    produce_durable(std::move(r.topic), r.partition, std::move(r.key), std::move(r.value));
  return drained() && !has_failures();
}

result<bool> state_journal::checkpoint(std::uint64_t seq) {
  if (!drained())
    return failure{503, "partition " + std::to_string(partition_)
                          + ": state records not delivered in time; no marker"};
  if (!produce_failed_again())
    return failure{503, "partition " + std::to_string(partition_)
                          + ": records failed twice; no marker"};
  auto marked = std::make_shared<result<std::int64_t>>(failure{503, "marker not delivered"});
  produce_tracked(topic_, partition_, std::string(marker_key),
                  encode_marker(epoch_, static_cast<std::int64_t>(seq)),
                  [marked](result<std::int64_t> offset) { *marked = std::move(offset); });
  if (!drained())
    return failure{503, "partition " + std::to_string(partition_) + ": marker not delivered in time"};
  // The callback wrote `marked` before it took the lock drained() saw in_flight_ under.
  if (!*marked)
    return marked->error();
  return true;
}

} // namespace cohort::cluster
