#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "connectors/delivery_store.hpp"
#include "connectors/webhook_senders.hpp"
#include "kafka/kafka_consumer.hpp"
#include "kafka/kafka_options.hpp"

namespace cohort::cluster {

/// One webhook destination's queue in a cluster (docs/cluster.md, "Webhooks"): the
/// changes topic itself. The destination's own consumer group, `<prefix>.webhooks.<id>`,
/// spreads the topic's partitions over the nodes; each node reads its partitions, hands
/// the changes the destination wants to its sender, and commits a partition's offset only
/// up to its oldest change not yet finished (answered 2xx, or given up after
/// max_attempts). A profile's changes share a partition, so one node sends them, in order.
/// After a kill -9 or a rebalance the next reader starts at the committed offset: changes
/// after it may be sent again, with the same webhook-id (profile and seq), never skipped.
///
/// What is held in memory is bounded: past `read_ahead` unfinished changes, reading
/// pauses; the bound on disk is the changes topic's retention. Thread-safe.
class webhook_feed : public connectors::delivery_store {
public:
  /// The consumer, not yet subscribed. Fails (400) on a property librdkafka refuses.
  static result<std::shared_ptr<webhook_feed>> create(const kafka::kafka_options& options,
                                                      const std::string& node_id,
                                                      config::webhook_config cfg,
                                                      std::uint32_t destination);
  ~webhook_feed() override;
  webhook_feed(const webhook_feed&) = delete;
  webhook_feed& operator=(const webhook_feed&) = delete;

  /// Joins the group and reads on its own thread, handing changes to destination `index`
  /// of `senders`. Fails (500) when the subscription is refused.
  result<bool> start(std::shared_ptr<connectors::webhook_senders> senders, std::size_t index);
  /// Commits what is finished, leaves the group and joins the thread. Idempotent.
  void stop();

  std::uint32_t destination() const { return destination_; }

  result<std::optional<std::string>> body(std::uint32_t destination,
                                          const connectors::queued_ref& ref) override;
  result<bool> remove(std::uint32_t destination, const connectors::queued_ref& ref) override;

private:
  using change_key = std::pair<std::string, std::uint64_t>;  ///< profile, seq
  struct entry {
    std::string body;
    std::int32_t partition;
    std::int64_t offset;
  };
  /// Where one assigned partition stands.
  struct progress {
    std::set<std::int64_t> unfinished;  ///< Offsets of changes handed out, not finished.
    std::int64_t next = -1;             ///< After the last record read (-1: none yet).
    std::int64_t committed = -1;
  };

  webhook_feed(config::webhook_config cfg, std::uint32_t destination, std::string topic,
               std::string group);
  void run();
  void take(const kafka::kafka_message& msg, std::vector<connectors::queued_ref>& refs);
  void pace();
  void commit(bool force, const std::vector<std::int32_t>* only = nullptr);
  void on_assigned(std::vector<kafka::partition_start>& assigned);
  void on_revoked(const std::vector<kafka::topic_partition>& revoked, bool lost);

  config::webhook_config cfg_;
  std::uint32_t destination_;
  std::string topic_;
  std::string group_;
  std::size_t read_ahead_;
  std::unique_ptr<kafka::kafka_consumer> consumer_;
  std::shared_ptr<connectors::webhook_senders> senders_;
  std::size_t index_ = 0;
  bool paused_ = false;
  std::chrono::steady_clock::time_point last_commit_;

  std::mutex mutex_;  ///< Guards entries_ and partitions_ (the sender removes entries).
  std::map<change_key, entry> entries_;
  std::map<std::int32_t, progress> partitions_;

  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace cohort::cluster
