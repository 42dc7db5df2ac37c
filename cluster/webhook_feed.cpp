#include "cluster/webhook_feed.hpp"

#include <algorithm>
#include <iostream>

#include "cluster/log_records.hpp"
#include "codecs/hex.hpp"

namespace cohort::cluster {

namespace {

/// Unfinished changes one destination holds in memory at most.
constexpr std::size_t max_read_ahead = 10000;
/// Records handed to the sender in one message at most.
constexpr std::size_t hand_over_batch = 1000;
/// How long a poll waits for a record.
constexpr auto poll_wait = std::chrono::milliseconds(100);
/// How often finished offsets are committed.
constexpr auto commit_interval = std::chrono::seconds(1);

} // namespace

webhook_feed::webhook_feed(config::webhook_config cfg, std::uint32_t destination,
                           std::string topic, std::string group)
  : cfg_(std::move(cfg)), destination_(destination), topic_(std::move(topic)),
    group_(std::move(group)),
    // Half the bound, so that changes of partitions handed back and forth, which the
    // sender skips when their turn comes, never make it drop one past max_queued.
    read_ahead_(std::max<std::size_t>(1, std::min(cfg_.max_queued / 2, max_read_ahead))) {
}

result<std::shared_ptr<webhook_feed>> webhook_feed::create(const kafka::kafka_options& options,
                                                          const std::string& node_id,
                                                          config::webhook_config cfg,
                                                          std::uint32_t destination) {
  auto id = codecs::hex(destination, 8);
  auto group = options.topic_prefix + ".webhooks." + id;
  std::shared_ptr<webhook_feed> feed{new webhook_feed(
    std::move(cfg), destination, kafka::topic_name(options, kafka::topics::changes), group)};
  auto consumer = kafka::kafka_consumer::create(options, node_id + ".webhooks." + id, group);
  if (!consumer)
    return failure{consumer.error().status,
                   "webhook " + feed->cfg_.url + " (group " + group + "): " + consumer.error().reason};
  feed->consumer_ = std::move(*consumer);
  return feed;
}

webhook_feed::~webhook_feed() {
  stop();
}

result<bool> webhook_feed::start(std::shared_ptr<connectors::webhook_senders> senders,
                                 std::size_t index) {
  senders_ = std::move(senders);
  index_ = index;
  kafka::rebalance_listener listener{
    [this](std::vector<kafka::partition_start>& assigned) { on_assigned(assigned); },
    [this](const std::vector<kafka::topic_partition>& revoked, bool lost) {
      on_revoked(revoked, lost);
    }};
  if (auto subscribed = consumer_->subscribe({topic_}, std::move(listener)); !subscribed)
    return failure{subscribed.error().status,
                   "webhook " + cfg_.url + " (group " + group_ + "): " + subscribed.error().reason};
  last_commit_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
  return true;
}

void webhook_feed::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
  if (consumer_) {
    // The listener's final revoke commits what is finished.
    if (auto closed = consumer_->close(); !closed)
      std::cerr << "cohortd: webhook " << cfg_.url << " did not leave group " << group_ << ": "
                << closed.error().reason << std::endl;
    consumer_.reset();
  }
}

void webhook_feed::run() {
  while (!stopping_) {
    pace();
    std::vector<connectors::queued_ref> refs;
    auto msg = consumer_->poll(poll_wait);
    while (msg) {
      take(*msg, refs);
      if (refs.size() >= hand_over_batch)
        break;
      msg = consumer_->poll(std::chrono::milliseconds(0));
    }
    senders_->add(index_, std::move(refs));
    commit(false);
  }
}

void webhook_feed::take(const kafka::kafka_message& msg, std::vector<connectors::queued_ref>& refs) {
  if (msg.is_error()) {
    std::cerr << "cohortd: webhook " << cfg_.url << " (group " << group_ << "): " << msg.error
              << std::endl;
    return;
  }
  if (!msg.is_record())
    return;
  auto change = decode_change(msg.value);
  std::lock_guard<std::mutex> guard{mutex_};
  auto& p = partitions_[msg.partition];
  p.next = msg.offset + 1;
  if (!change) {
    std::cerr << "cohortd: webhook " << cfg_.url << ": " << topic_ << "/" << msg.partition << "@"
              << msg.offset << " is not a change (skipped): " << change.error().reason << std::endl;
    return;
  }
  if (!connectors::webhook_wants(cfg_, change->type))
    return;
  change_key key{change->user_id, change->seq};
  // A change produced again after a failover, while its first copy is still unfinished.
  if (entries_.count(key) != 0)
    return;
  entries_.emplace(key, entry{connectors::webhook_body(*change), msg.partition, msg.offset});
  p.unfinished.insert(msg.offset);
  refs.push_back({change->user_id, change->seq, msg.timestamp_ms});
}

void webhook_feed::pace() {
  bool full = false;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    full = entries_.size() >= read_ahead_;
  }
  if (full == paused_)
    return;
  auto assigned = consumer_->assignment();
  if (!assigned)
    return;
  auto done = full ? consumer_->pause(*assigned) : consumer_->resume(*assigned);
  if (!done) {
    std::cerr << "cohortd: webhook " << cfg_.url << ": " << (full ? "pause" : "resume")
              << " failed: " << done.error().reason << std::endl;
    return;
  }
  paused_ = full;
}

void webhook_feed::commit(bool force, const std::vector<std::int32_t>* only) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_commit_ < commit_interval)
    return;
  last_commit_ = now;
  std::vector<kafka::topic_partition_offset> offsets;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [partition, p] : partitions_) {
      if (only != nullptr && std::find(only->begin(), only->end(), partition) == only->end())
        continue;
      auto finished_below = p.unfinished.empty() ? p.next : *p.unfinished.begin();
      if (finished_below > p.committed)
        offsets.push_back({topic_, partition, finished_below});
    }
  }
  if (offsets.empty())
    return;
  if (auto committed = consumer_->commit(offsets); !committed) {
    std::cerr << "cohortd: webhook " << cfg_.url << ": commit failed (changes after the last "
              << "commit may be sent again): " << committed.error().reason << std::endl;
    return;
  }
  std::lock_guard<std::mutex> guard{mutex_};
  for (const auto& o : offsets)
    if (auto it = partitions_.find(o.partition); it != partitions_.end())
      it->second.committed = o.offset;
}

void webhook_feed::on_assigned(std::vector<kafka::partition_start>& assigned) {
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& start : assigned) {
    start.offset = kafka::offsets::committed;
    partitions_[start.partition.partition] = progress{};
  }
  // The eager protocol resumes nothing it did not pause: reading starts unpaused.
  paused_ = false;
}

void webhook_feed::on_revoked(const std::vector<kafka::topic_partition>& revoked, bool lost) {
  std::vector<std::int32_t> ids;
  for (const auto& p : revoked)
    ids.push_back(p.partition);
  if (!lost)
    commit(true, &ids);
  // Their unfinished changes are the next reader's now: the sender skips them.
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto it = entries_.begin(); it != entries_.end();)
    it = std::find(ids.begin(), ids.end(), it->second.partition) != ids.end() ? entries_.erase(it)
                                                                               : std::next(it);
  for (auto id : ids)
    partitions_.erase(id);
}

result<std::optional<std::string>> webhook_feed::body(std::uint32_t,
                                                      const connectors::queued_ref& ref) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = entries_.find({ref.profile, ref.seq});
  if (it == entries_.end())
    return std::optional<std::string>{};
  return std::optional<std::string>{it->second.body};
}

result<bool> webhook_feed::remove(std::uint32_t, const connectors::queued_ref& ref) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = entries_.find({ref.profile, ref.seq});
  if (it == entries_.end())
    return true;
  if (auto p = partitions_.find(it->second.partition); p != partitions_.end())
    p->second.unfinished.erase(it->second.offset);
  entries_.erase(it);
  return true;
}

} // namespace cohort::cluster
