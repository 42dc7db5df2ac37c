#include "connectors/kafka_source.hpp"

#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "codecs/time.hpp"
#include "connectors/source_positions.hpp"

namespace cohort::connectors {

namespace {

/// Records gathered into one append at most.
constexpr std::uint64_t max_batch_records = 2000;
/// How long a poll waits for the first record of a batch.
constexpr auto first_record_wait = std::chrono::milliseconds(100);
/// How often positions go to the group's committed offsets and lag is refreshed.
constexpr auto commit_interval = std::chrono::seconds(2);
/// Wait before a failed append is tried again.
constexpr auto retry_wait = std::chrono::seconds(1);
/// How often a paused source looks for room.
constexpr auto room_wait = std::chrono::milliseconds(20);

kafka::kafka_options options_of(const config::kafka_source_config& cfg) {
  kafka::kafka_options options;
  options.bootstrap = cfg.bootstrap;
  options.extra = cfg.properties;
  return options;
}

} // namespace

kafka_source::kafka_source(const config::kafka_source_config& cfg, source_context ctx)
  : cfg_(cfg), ctx_(std::move(ctx)),
    format_{cfg.format == "native", cfg.encoding == "msgpack"} {
}

result<std::unique_ptr<kafka_source>> kafka_source::start(const config::kafka_source_config& cfg,
                                                          source_context ctx) {
  std::unique_ptr<kafka_source> source{new kafka_source(cfg, std::move(ctx))};
  auto consumer = kafka::kafka_consumer::create(options_of(cfg), source->ctx_.client_id, cfg.group);
  if (!consumer)
    return failure{consumer.error().status,
                   "kafka source (group " + cfg.group + "): " + consumer.error().reason};
  source->consumer_ = std::move(*consumer);
  auto* self = source.get();
  kafka::rebalance_listener listener{
    [self](std::vector<kafka::partition_start>& assigned) { self->on_assigned(assigned); },
    [self](const std::vector<kafka::topic_partition>& revoked, bool) { self->on_revoked(revoked); }};
  if (auto subscribed = source->consumer_->subscribe(cfg.topics, std::move(listener)); !subscribed)
    return failure{subscribed.error().status,
                   "kafka source (group " + cfg.group + "): " + subscribed.error().reason};
  source->last_commit_ = std::chrono::steady_clock::now();
  source->thread_ = std::thread([self] { self->run(); });
  return source;
}

kafka_source::~kafka_source() {
  {
    std::lock_guard<std::mutex> guard{stop_mutex_};
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  if (consumer_) {
    commit_positions(true);
    if (auto closed = consumer_->close(); !closed)
      std::cerr << "cohortd: kafka source (group " << cfg_.group
                << ") did not leave its group: " << closed.error().reason << std::endl;
  }
}

bool kafka_source::pause_for(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock{stop_mutex_};
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void kafka_source::run() {
  while (pause_for(std::chrono::milliseconds(0))) {
    if (pending_.records == 0) {
      auto msg = consumer_->poll(first_record_wait);
      while (msg && pending_.records < max_batch_records) {
        take(*msg);
        msg = consumer_->poll(std::chrono::milliseconds(0));
      }
      if (msg)
        take(*msg);
    }
    if (pending_.records > 0 && !apply()) {
      rewind();
      pause_for(retry_wait);
    }
    commit_positions(false);
  }
}

void kafka_source::take(const kafka::kafka_message& msg) {
  if (msg.is_error()) {
    std::cerr << "cohortd: kafka source (group " << cfg_.group << "): " << msg.error << std::endl;
    return;
  }
  if (!msg.is_record())
    return;
  auto now = codecs::now_ms();
  codecs::decode_context ctx{now, &ctx_.types, ctx_.max_message_bytes};
  auto decoded = decode_record({msg.topic, msg.partition, msg.offset, msg.value}, format_,
                               ctx_.mappings, ctx);
  for (auto& ev : decoded.events)
    pending_.events.push_back(std::move(ev));
  for (auto& r : decoded.rejected)
    pending_.letters.push_back({0, now, "kafka:" + record_place(msg.topic, msg.partition, msg.offset),
                                std::move(r.reason), std::move(r.raw)});
  partition_key key{msg.topic, msg.partition};
  pending_.first.emplace(key, msg.offset);
  pending_.next[key] = msg.offset + 1;
  ++pending_.records;
}

void kafka_source::on_assigned(std::vector<kafka::partition_start>& assigned) {
  // The eager protocol revoked everything first: nothing is pending here.
  for (auto& start : assigned) {
    const auto& p = start.partition;
    if (ctx_.positions_in_group) {
      start.offset = kafka::offsets::committed;
      ctx_.lag->set(cfg_.group, p.topic, p.partition, -1, -1);
      continue;
    }
    auto stored = stored_position(ctx_.db, position_key(cfg_.group, p.topic, p.partition));
    if (!stored) {
      // Without its position the partition cannot start exactly once: it stays paused.
      std::cerr << "cohortd: kafka source (group " << cfg_.group << "): " << stored.error().reason
                << "; " << p.topic << "/" << p.partition << " is not consumed" << std::endl;
      start.paused = true;
      continue;
    }
    start.offset = stored->value_or(kafka::offsets::committed);
    if (*stored)
      applied_[p] = **stored;
    ctx_.lag->set(cfg_.group, p.topic, p.partition, stored->value_or(-1), -1);
  }
}

void kafka_source::on_revoked(const std::vector<kafka::topic_partition>& revoked) {
  // What was read and not applied is read again by the partitions' next owner.
  pending_.clear();
  commit_positions(true);
  for (const auto& p : revoked) {
    applied_.erase(p);
    committed_.erase(p);
    ctx_.lag->erase(cfg_.group, p.topic, p.partition);
  }
}

bool kafka_source::apply() {
  auto admitted = wait_for_room();
  if (!admitted)
    return true;  // stopping, or a rebalance dropped the batch
  if (!store_letters()) {
    ctx_.flow->release(*admitted);
    return false;
  }
  return append_events();
}

std::optional<std::int64_t> kafka_source::wait_for_room() {
  auto n = static_cast<std::int64_t>(pending_.events.size());
  if (n == 0 || ctx_.flow->try_admit(n))
    return n;
  ++counters_.paused;
  auto assigned = consumer_->assignment();
  if (auto paused = consumer_->pause(assigned ? *assigned : std::vector<kafka::topic_partition>{});
      !paused)
    std::cerr << "cohortd: kafka source (group " << cfg_.group
              << "): pause failed: " << paused.error().reason << std::endl;
  std::optional<std::int64_t> admitted;
  while (!admitted && pause_for(room_wait)) {
    // Polling keeps the membership alive and runs rebalances, which drop the batch; a
    // partition assigned by one is not paused, and its records join the batch.
    if (auto msg = consumer_->poll(std::chrono::milliseconds(0)))
      take(*msg);
    if (pending_.records == 0)
      break;
    n = static_cast<std::int64_t>(pending_.events.size());
    if (n == 0 || ctx_.flow->try_admit(n))
      admitted = n;
  }
  if (auto now = consumer_->assignment(); now) {
    if (auto resumed = consumer_->resume(*now); !resumed)
      std::cerr << "cohortd: kafka source (group " << cfg_.group
                << "): resume failed: " << resumed.error().reason << std::endl;
  }
  return admitted;
}

bool kafka_source::store_letters() {
  if (pending_.letters.empty())
    return true;
  auto count = pending_.letters.size();
  if (auto stored = ctx_.letters.append(pending_.letters); !stored) {
    ++counters_.failures;
    std::cerr << "cohortd: kafka source (group " << cfg_.group
              << "): dead letters not stored: " << stored.error().reason << std::endl;
    return false;
  }
  counters_.rejected += count;
  pending_.letters.clear();
  return true;
}

bool kafka_source::append_events() {
  actors::position_writes positions;
  for (const auto& [p, next] : pending_.next)
    positions.emplace_back(position_key(cfg_.group, p.topic, p.partition), position_value(next));
  auto events = pending_.events.size();
  bool ok = false;
  auto on_ok = [&](std::uint64_t) { ok = true; };
  auto on_error = [&](caf::error& e) {
    // The ingest actor (or the front) returned the flow room of a failed write; a late
    // answer's events are released by the sessions that apply them (or by the front).
    ++counters_.failures;
    std::cerr << "cohortd: kafka source (group " << cfg_.group
              << "): append failed: " << ctx_.system.render(e) << std::endl;
  };
  caf::scoped_actor self{ctx_.system};
  if (ctx_.positions_in_group)
    self->request(ctx_.ingest, ctx_.request_timeout, actors::ingest_atom::value,
                  std::move(pending_.events))
      .receive(on_ok, on_error);
  else
    self->request(ctx_.ingest, ctx_.request_timeout, actors::ingest_atom::value,
                  std::move(pending_.events), std::move(positions))
      .receive(on_ok, on_error);
  if (!ok)
    return false;
  counters_.records += pending_.records;
  counters_.events += events;
  for (const auto& [p, next] : pending_.next) {
    applied_[p] = next;
    ctx_.lag->set(cfg_.group, p.topic, p.partition, next, -1);
  }
  pending_.clear();
  if (ctx_.positions_in_group)
    commit_positions(true);  // the group's offsets are the positions
  return true;
}

void kafka_source::rewind() {
  // The append may still land (an unanswered request): then the records read again carry
  // the same messageIds and the sessions drop them.
  for (const auto& [p, first] : pending_.first)
    if (auto sought = consumer_->seek(p.topic, p.partition, first); !sought)
      std::cerr << "cohortd: kafka source (group " << cfg_.group << "): " << sought.error().reason
                << std::endl;
  pending_.clear();
}

void kafka_source::commit_positions(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_commit_ < commit_interval)
    return;
  last_commit_ = now;
  update_lag();
  std::vector<kafka::topic_partition_offset> offsets;
  for (const auto& [p, next] : applied_)
    if (committed_[p] != next)
      offsets.push_back({p.topic, p.partition, next});
  if (offsets.empty())
    return;
  if (auto committed = consumer_->commit(offsets); !committed) {
    std::cerr << "cohortd: kafka source (group " << cfg_.group
              << "): commit failed" << (ctx_.positions_in_group ? " (records after the last "
                                                                  "commit are read again): "
                                                                : " (positions are kept in the store): ")
              << committed.error().reason << std::endl;
    return;
  }
  for (const auto& o : offsets)
    committed_[{o.topic, o.partition}] = o.offset;
}

void kafka_source::update_lag() {
  auto assigned = consumer_->assignment();
  if (!assigned)
    return;
  for (const auto& p : *assigned)
    if (auto high = consumer_->known_high_watermark(p.topic, p.partition))
      ctx_.lag->set(cfg_.group, p.topic, p.partition, -1, *high);
}

} // namespace cohort::connectors
