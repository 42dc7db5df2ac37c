#include "cluster/follower.hpp"

#include <iostream>

#include <caf/send.hpp>

#include "actors/publisher_actor.hpp"
#include "kafka/kafka_consumer.hpp"
#include "cluster/log_records.hpp"

namespace cohort::cluster {

namespace {

/// Members reports read back at start: a few seconds of every node's heartbeats.
constexpr std::int64_t members_backlog = 1000;
constexpr auto poll_wait = std::chrono::milliseconds(100);
constexpr auto setup_timeout = std::chrono::seconds(10);

} // namespace

follower::~follower() {
  stop();
}

void follower::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

result<std::unique_ptr<follower>> follower::start(const kafka::kafka_options& options,
                                                  const std::string& node_id, sinks out) {
  std::unique_ptr<follower> f{new follower};
  f->options_ = options;
  f->out_ = std::move(out);
  auto consumer = kafka::kafka_consumer::create(options, node_id + ".follower", std::nullopt);
  if (!consumer)
    return consumer.error();
  f->consumer_ = std::move(*consumer);
  auto members = kafka::topic_name(options, kafka::topics::members);
  auto marks = f->consumer_->watermarks(members, 0, setup_timeout);
  if (!marks)
    return marks.error();
  std::vector<kafka::topic_partition_offset> from{
    {kafka::topic_name(options, kafka::topics::identity), 0, kafka::offsets::beginning},
    {members, 0, std::max(marks->first, marks->second - members_backlog)}};
  for (int p = 0; p < options.partitions; ++p)
    from.push_back({kafka::topic_name(options, kafka::topics::changes), p, kafka::offsets::end});
  if (auto assigned = f->consumer_->assign(from); !assigned)
    return assigned.error();
  f->thread_ = std::thread([raw = f.get()] { raw->run(); });
  return f;
}

void follower::rebuild() {
  std::lock_guard lock{identity_mutex_};
  rebuild_ = true;
  identity_applied_ = 0;
}

void follower::restart_identity() {
  std::lock_guard lock{identity_mutex_};
  if (!rebuild_)
    return;
  auto sought = consumer_->seek(kafka::topic_name(options_, kafka::topics::identity), 0,
                                kafka::offsets::beginning);
  if (!sought) {
    std::cerr << "cohortd: identity replica not rebuilt yet: " << sought.error().reason
              << std::endl;
    return;
  }
  out_.graph->load({});
  identity_epoch_ = 0;
  identity_applied_ = 0;
  rebuild_ = false;
  std::cerr << "cohortd: rebuilding the identity replica from the log" << std::endl;
}

void follower::run() {
  const auto identity = kafka::topic_name(options_, kafka::topics::identity);
  const auto members = kafka::topic_name(options_, kafka::topics::members);
  while (!stopping_) {
    restart_identity();
    auto m = consumer_->poll(poll_wait);
    if (!m || !m->is_record()) {
      if (m && m->is_error())
        std::cerr << "cohortd: following the cluster: " << m->error << std::endl;
      continue;
    }
    if (m->topic == identity) {
      std::lock_guard lock{identity_mutex_};
      if (rebuild_)
        continue;  // read before the seek: it comes again
      auto entry = decode_identity(m->key, m->value);
      if (!entry) {
        std::cerr << "cohortd: identity log offset " << m->offset << " skipped: "
                  << entry.error().reason << std::endl;
      } else if (entry->is_claim()) {
        identity_epoch_ = std::max(identity_epoch_.load(), entry->epoch);
      } else if (entry->epoch >= identity_epoch_.load()
                 && entry->epoch != out_.sequencing->value.load()) {
        if (auto applied = out_.graph->apply({{entry->key, entry->bytes}}); !applied)
          std::cerr << "cohortd: identity log offset " << m->offset << ": "
                    << applied.error().reason << std::endl;
      }
      identity_applied_ = m->offset + 1;
    } else if (m->topic == members) {
      if (auto report = decode_member(m->value))
        out_.members->update(std::move(*report));
    } else if (auto change = decode_change(m->value)) {
      caf::anon_send(out_.publisher, actors::publish_atom::value, std::move(*change));
    }
  }
}

} // namespace cohort::cluster
