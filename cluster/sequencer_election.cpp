#include "cluster/sequencer_election.hpp"

#include <future>
#include <iostream>

#include "kafka/kafka_consumer.hpp"
#include "cluster/log_records.hpp"

namespace cohort::cluster {

namespace {

constexpr auto poll_wait = std::chrono::milliseconds(100);
constexpr auto claim_timeout = std::chrono::seconds(10);

} // namespace

result<std::unique_ptr<sequencer_election>> sequencer_election::start(
  const kafka::kafka_options& options, const std::string& node_id,
  std::shared_ptr<kafka::kafka_producer> producer, follower& replica,
  std::shared_ptr<sequencer_epoch> epoch) {
  std::unique_ptr<sequencer_election> e{new sequencer_election(replica, std::move(epoch))};
  e->options_ = options;
  e->node_id_ = node_id;
  e->producer_ = std::move(producer);
  auto consumer = kafka::kafka_consumer::create(options, node_id + ".sequencer",
                                         options.topic_prefix + ".identity");
  if (!consumer)
    return consumer.error();
  e->consumer_ = std::move(*consumer);
  kafka::rebalance_listener listener;
  auto* raw = e.get();
  listener.on_assigned = [raw](std::vector<kafka::partition_start>& assigned) {
    for (auto& start : assigned)
      start.paused = true;  // the replica reads the log; this member only holds it
    raw->assigned_ = !assigned.empty();
  };
  listener.on_revoked = [raw](const std::vector<kafka::topic_partition>&, bool) {
    raw->assigned_ = false;
    raw->lose();
  };
  if (auto subscribed = e->consumer_->subscribe({kafka::topic_name(options, kafka::topics::identity)}, listener);
      !subscribed)
    return subscribed.error();
  e->thread_ = std::thread([raw] { raw->run(); });
  return e;
}

sequencer_election::~sequencer_election() {
  stop();
}

void sequencer_election::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

bool sequencer_election::claim() {
  auto topic = kafka::topic_name(options_, kafka::topics::identity);
  auto marks = consumer_->watermarks(topic, 0, claim_timeout);
  if (!marks || replica_.identity_applied() < marks->second)
    return false;  // the replica has not applied the whole log yet
  auto epoch = replica_.identity_epoch() + 1;
  std::promise<result<std::int64_t>> done;
  auto answer = done.get_future();
  producer_->produce(topic, 0, std::string(claim_key), encode_identity(epoch, node_id_),
                     [&done](result<std::int64_t> offset) { done.set_value(std::move(offset)); });
  auto claimed = answer.get();  // the producer answers within its message timeout
  if (!claimed) {
    std::cerr << "cohortd: identity log not claimed: " << claimed.error().reason << std::endl;
    return false;
  }
  epoch_->value = epoch;
  std::cerr << "cohortd: sequencing the identity log, epoch " << epoch << std::endl;
  return true;
}

void sequencer_election::lose() {
  std::lock_guard lock{epoch_->mutex};
  if (epoch_->value == 0)
    return;
  epoch_->value = 0;
  replica_.rebuild();
}

void sequencer_election::run() {
  while (!stopping_) {
    consumer_->poll(poll_wait);  // rebalances run inside
    if (assigned_ && epoch_->value == 0)
      claim();
  }
  epoch_->value = 0;
  if (auto closed = consumer_->close(); !closed)
    std::cerr << "cohortd: leaving the sequencer group: " << closed.error().reason << std::endl;
}

} // namespace cohort::cluster
