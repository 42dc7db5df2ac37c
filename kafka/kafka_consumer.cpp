#include "kafka/kafka_consumer.hpp"

#include <algorithm>
#include <cstring>
#include <thread>

namespace cohort::kafka {

namespace {

using clock = std::chrono::steady_clock;

std::string millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()); }

int millis_until(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
}

std::string name_of(const std::string& topic, std::int32_t partition) {
  return topic + "/" + std::to_string(partition);
}

partition_list_handle list_of(const std::vector<topic_partition>& partitions) {
  partition_list_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()))};
  for (const auto& tp : partitions)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  return list;
}

partition_list_handle list_of(const std::vector<topic_partition_offset>& partitions) {
  partition_list_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()))};
  for (const auto& tpo : partitions)
    rd_kafka_topic_partition_list_add(list.get(), tpo.topic.c_str(), tpo.partition)->offset =
      tpo.offset;
  return list;
}

std::vector<topic_partition> partitions_of(const rd_kafka_topic_partition_list_t* list) {
  std::vector<topic_partition> out;
  if (list == nullptr)
    return out;
  out.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  return out;
}

/// The first per-partition error of a list librdkafka answered, if any.
std::optional<failure> partition_error(const std::string& what,
                                       const rd_kafka_topic_partition_list_t* list) {
  for (int i = 0; i < list->cnt; ++i)
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return kafka_failure(what + " " + name_of(list->elems[i].topic, list->elems[i].partition),
                           list->elems[i].err);
  return std::nullopt;
}

kafka_message message_of(rd_kafka_t* rk, const rd_kafka_message_t& m) {
  kafka_message out;
  if (m.rkt != nullptr)
    out.topic = rd_kafka_topic_name(m.rkt);
  out.partition = m.partition;
  out.offset = m.offset;
  if (m.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    out.what = kafka_message::kind::record;
    if (m.key != nullptr)
      out.key.assign(static_cast<const char*>(m.key), m.key_len);
    if (m.payload != nullptr)
      out.value.assign(static_cast<const char*>(m.payload), m.len);
    rd_kafka_timestamp_type_t type;
    out.timestamp_ms = rd_kafka_message_timestamp(&m, &type);
    return out;
  }
  if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    out.what = kafka_message::kind::partition_eof;
    return out;
  }
  out.what = kafka_message::kind::error;
  out.error = rd_kafka_message_errstr(&m);
  if (m.err == RD_KAFKA_RESP_ERR__FATAL) {
    char reason[512];
    rd_kafka_fatal_error(rk, reason, sizeof reason);
    out.fatal = true;
    out.error += std::string(": ") + reason;
  }
  return out;
}

} // namespace

result<std::unique_ptr<kafka_consumer>> kafka_consumer::create(const kafka_options& options,
                                                               std::string client_id,
                                                               std::optional<std::string> group_id,
                                                               eof_mode eof) {
  if (group_id && group_id->empty())
    return failure{400, "kafka consumer group id is empty"};
  const kafka_properties role = {
    {"group.id", group_id ? *group_id : client_id + ".manual"},
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
    {"auto.offset.reset", "earliest"},
    {"partition.assignment.strategy", "range"},
    {"session.timeout.ms", millis(options.session_timeout)},
    {"heartbeat.interval.ms", millis(options.heartbeat_interval)},
    {"socket.timeout.ms", millis(options.request_timeout)},
    {"fetch.wait.max.ms", millis(options.fetch_wait)},
    // Always on: read_range needs the end of a partition; poll() drops EOFs unless asked.
    {"enable.partition.eof", "true"},
  };
  auto conf = make_conf(options, client_id, role);
  if (!conf)
    return conf.error();
  std::unique_ptr<kafka_consumer> consumer{new kafka_consumer};
  consumer->options_ = options;
  consumer->has_group_ = group_id.has_value();
  consumer->report_eof_ = eof == eof_mode::report;
  rd_kafka_conf_set_opaque(conf->get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &kafka_consumer::on_rebalance);
  auto rk = new_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk)
    return rk.error();
  consumer->rk_ = std::move(*rk);
  // Errors and logs of the whole client come out of consumer_poll, on the owner thread.
  if (auto err = rd_kafka_poll_set_consumer(consumer->rk_.get()))
    return kafka_failure("kafka consumer", err);
  return consumer;
}

kafka_consumer::~kafka_consumer() {
  // What the listener captured may be gone by now: it is not called from here.
  listener_ = {};
  if (rk_)
    (void)close();
  rk_.reset();
}

result<bool> kafka_consumer::subscribe(std::vector<std::string> topics,
                                       rebalance_listener listener) {
  if (closed_)
    return failure{500, "kafka consumer is closed"};
  if (!has_group_)
    return failure{500, "subscribe needs a consumer created with a group id"};
  listener_ = std::move(listener);
  partition_list_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()))};
  for (const auto& topic : topics)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(rk_.get(), list.get()))
    return kafka_failure("subscribe", err);
  return true;
}

result<bool> kafka_consumer::assign(const std::vector<topic_partition_offset>& partitions) {
  if (closed_)
    return failure{500, "kafka consumer is closed"};
  if (has_group_)
    return failure{500, "assign is for consumers without a group (a member's partitions come "
                        "from the group)"};
  // librdkafka 2.0.2 keeps a partition paused through unassign and assign: a new
  // assignment starts fetching, as its caller expects. Resumed before the assignment,
  // for the reason assigned() gives.
  std::vector<topic_partition> still_paused;
  for (const auto& tpo : partitions)
    if (paused_.count({tpo.topic, tpo.partition}) != 0)
      still_paused.push_back({tpo.topic, tpo.partition});
  if (auto resumed = resume(still_paused); !resumed)
    return resumed.error();
  auto list = list_of(partitions);
  if (auto err = rd_kafka_assign(rk_.get(), partitions.empty() ? nullptr : list.get()))
    return kafka_failure("assign", err);
  return true;
}

result<std::vector<topic_partition>> kafka_consumer::assignment() const {
  if (closed_)
    return failure{500, "kafka consumer is closed"};
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (auto err = rd_kafka_assignment(rk_.get(), &raw))
    return kafka_failure("assignment", err);
  partition_list_handle list{raw};
  return partitions_of(list.get());
}

std::optional<kafka_message> kafka_consumer::poll(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (closed_) {
      kafka_message closed;
      closed.what = kafka_message::kind::error;
      closed.error = "kafka consumer is closed";
      closed.fatal = true;
      return closed;
    }
    if (!rebalance_errors_.empty()) {
      kafka_message error;
      error.what = kafka_message::kind::error;
      error.error = std::move(rebalance_errors_.front());
      rebalance_errors_.erase(rebalance_errors_.begin());
      return error;
    }
    auto message = next(std::chrono::milliseconds(millis_until(deadline)));
    if (message && (!message->is_eof() || report_eof_))
      return message;
    if (clock::now() >= deadline && rebalance_errors_.empty())
      return std::nullopt;
  }
}

std::optional<kafka_message> kafka_consumer::next(std::chrono::milliseconds timeout) {
  message_handle message{rd_kafka_consumer_poll(rk_.get(), static_cast<int>(timeout.count()))};
  if (!message)
    return std::nullopt;
  return message_of(rk_.get(), *message);
}

result<bool> kafka_consumer::pause(const std::vector<topic_partition>& partitions) {
  return pause_resume(partitions, true);
}

result<bool> kafka_consumer::resume(const std::vector<topic_partition>& partitions) {
  return pause_resume(partitions, false);
}

result<bool> kafka_consumer::pause_resume(const std::vector<topic_partition>& partitions,
                                          bool pause, std::vector<topic_partition>* refused) {
  if (closed_)
    return failure{500, "kafka consumer is closed"};
  if (partitions.empty())
    return true;
  auto list = list_of(partitions);
  auto err = pause ? rd_kafka_pause_partitions(rk_.get(), list.get())
                   : rd_kafka_resume_partitions(rk_.get(), list.get());
  const char* what = pause ? "pause" : "resume";
  if (err) {
    if (refused != nullptr)
      *refused = partitions;
    return kafka_failure(what, err);
  }
  for (int i = 0; i < list->cnt; ++i) {
    topic_partition tp{list->elems[i].topic, list->elems[i].partition};
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (refused != nullptr)
        refused->push_back(std::move(tp));
    } else if (pause) {
      paused_.insert(std::move(tp));
    } else {
      paused_.erase(tp);
    }
  }
  if (auto bad = partition_error(what, list.get()))
    return *bad;
  return true;
}

result<bool> kafka_consumer::seek(const std::string& topic, std::int32_t partition,
                                  std::int64_t offset) {
  if (closed_)
    return failure{500, "kafka consumer is closed"};
  // The legacy per-topic rd_kafka_seek, not rd_kafka_seek_partitions: in 2.0.2 the
  // latter waits a thousandth of its timeout (fixed in 2.1.0), and its asynchronous
  // form drops errors.
  topic_handle rkt{rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr)};
  if (!rkt)
    return kafka_failure("seek " + name_of(topic, partition), rd_kafka_last_error());
  const auto deadline = clock::now() + options_.request_timeout;
  for (;;) {
    auto err = rd_kafka_seek(rkt.get(), partition, offset, std::max(1, millis_until(deadline)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
      return true;
    // __STATE: the fetcher of a partition assigned a moment ago has not started yet
    // (librdkafka's main thread is still fetching the committed offset).
    if (err != RD_KAFKA_RESP_ERR__STATE || clock::now() >= deadline)
      return kafka_failure("seek " + name_of(topic, partition) + " to offset "
                             + std::to_string(offset),
                           err);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

result<bool> kafka_consumer::commit(const std::vector<topic_partition_offset>& offsets) {
  if (closed_)
    return failure{500, "kafka consumer is closed"};
  if (!has_group_)
    return failure{500, "commit needs a consumer created with a group id"};
  if (offsets.empty())
    return true;
  auto list = list_of(offsets);
  if (auto err = rd_kafka_commit(rk_.get(), list.get(), 0 /* synchronous */))
    return kafka_failure("commit", err);
  if (auto bad = partition_error("commit", list.get()))
    return *bad;
  return true;
}

result<std::pair<std::int64_t, std::int64_t>> kafka_consumer::watermarks(
  const std::string& topic, std::int32_t partition, std::chrono::milliseconds timeout) {
  if (closed_)
    return failure{500, "kafka consumer is closed"};
  std::int64_t low = -1;
  std::int64_t high = -1;
  if (auto err = rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), partition, &low,
                                                  &high, static_cast<int>(timeout.count())))
    return kafka_failure("watermarks of " + name_of(topic, partition), err);
  return std::make_pair(low, high);
}

std::optional<std::int64_t> kafka_consumer::known_high_watermark(const std::string& topic,
                                                                 std::int32_t partition) const {
  std::int64_t low = -1;
  std::int64_t high = -1;
  if (closed_
      || rd_kafka_get_watermark_offsets(rk_.get(), topic.c_str(), partition, &low, &high)
      || high < 0)
    return std::nullopt;
  return high;
}

result<std::int64_t> kafka_consumer::offset_for_time(const std::string& topic,
                                                     std::int32_t partition,
                                                     std::int64_t timestamp_ms,
                                                     std::chrono::milliseconds timeout) {
  if (closed_)
    return failure{500, "kafka consumer is closed"};
  auto list = list_of(std::vector<topic_partition_offset>{{topic, partition, timestamp_ms}});
  if (auto err = rd_kafka_offsets_for_times(rk_.get(), list.get(),
                                            static_cast<int>(timeout.count())))
    return kafka_failure("offset for time in " + name_of(topic, partition), err);
  if (auto bad = partition_error("offset for time in", list.get()))
    return *bad;
  return list->elems[0].offset;
}

result<bool> kafka_consumer::read_range(const std::string& topic, std::int32_t partition,
                                        std::int64_t from, std::int64_t to, const record_fn& fn,
                                        clock::time_point deadline) {
  if (has_group_)
    return failure{500, "read_range is for consumers without a group"};
  if (to <= 0 || (from >= 0 && from >= to))
    return true;
  if (auto assigned = assign({{topic, partition, from}}); !assigned)
    return assigned.error();
  const auto where = name_of(topic, partition);
  auto finish = [&](result<bool> outcome) {
    rd_kafka_assign(rk_.get(), nullptr);
    return outcome;
  };
  std::int64_t position = from;  // the next offset wanted (logical until the first record)
  while (position < to) {
    if (clock::now() >= deadline)
      return finish(failure{504, "reading " + where + " stopped at offset "
                                   + std::to_string(position) + " before offset "
                                   + std::to_string(to) + ": deadline passed"});
    auto message = next(std::chrono::milliseconds(std::min(100, millis_until(deadline))));
    if (!message)
      continue;
    if (message->is_error()) {
      bool ours = message->topic == topic
                  && (message->partition == partition || message->partition < 0);
      if (message->fatal || ours)
        return finish(failure{503, "reading " + where + ": " + message->error});
      continue;  // a connection came and went: librdkafka retries by itself
    }
    if (message->topic != topic || message->partition != partition)
      continue;  // left over from an earlier assignment
    if (message->is_eof()) {
      position = std::max(position, message->offset);
      continue;
    }
    if (message->offset < position)
      continue;
    if (message->offset >= to)
      break;
    fn(*message);
    position = message->offset + 1;
  }
  return finish(true);
}

result<std::int64_t> kafka_consumer::read_to_end(const std::string& topic,
                                                 std::int32_t partition, std::int64_t from,
                                                 const record_fn& fn,
                                                 clock::time_point deadline) {
  auto marks = watermarks(topic, partition, std::chrono::milliseconds(millis_until(deadline)));
  if (!marks)
    return marks.error();
  auto end = marks->second;
  auto read = read_range(topic, partition, from, end, fn, deadline);
  if (!read)
    return read.error();
  return end;
}

result<bool> kafka_consumer::close() {
  if (closed_ || closing_)
    return true;
  closing_ = true;
  // Runs the listener's on_revoked (through on_rebalance) before leaving the group; the
  // consumer is still usable in there (a final commit).
  auto err = rd_kafka_consumer_close(rk_.get());
  closed_ = true;
  if (err)
    return kafka_failure("consumer close", err);
  return true;
}

void kafka_consumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<kafka_consumer*>(opaque);
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->assigned(partitions, cooperative);
    return;
  }
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
    self->rebalance_errors_.push_back(std::string("rebalance failed: ") + rd_kafka_err2str(err));
  self->revoked(partitions, cooperative);
}

void kafka_consumer::assigned(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  std::vector<partition_start> starts;
  for (auto& tp : partitions_of(partitions))
    starts.push_back({std::move(tp), offsets::committed, false});
  if (listener_.on_assigned)
    listener_.on_assigned(starts);
  std::vector<topic_partition> to_pause;
  std::vector<topic_partition> to_resume;
  for (int i = 0; i < partitions->cnt; ++i) {
    auto& element = partitions->elems[i];
    topic_partition tp{element.topic, element.partition};
    auto start = std::find_if(starts.begin(), starts.end(),
                              [&](const partition_start& s) { return s.partition == tp; });
    bool keep_paused = start != starts.end() && start->paused;
    if (start != starts.end())
      element.offset = start->offset;
    if (keep_paused)
      to_pause.push_back(tp);
    else if (paused_.count(tp) != 0)
      to_resume.push_back(tp);
  }
  // Paused (or resumed) before the assignment, never after: librdkafka gives each op on
  // a partition a version and drops one older than the last it served. A pause from
  // this thread after rd_kafka_assign can take its version after the fetch start that
  // librdkafka's main thread is issuing yet reach the queue first; the start is then
  // dropped, the partition never fetches and seek() fails with __STATE for good
  // (librdkafka #5591). Paused first, the fetcher starts paused and fetches nothing.
  std::vector<topic_partition> late_pause;
  std::vector<topic_partition> late_resume;
  (void)pause_resume(to_pause, true, &late_pause);  // the refused ones are retried below
  (void)pause_resume(to_resume, false, &late_resume);
  if (cooperative) {
    error_handle error{rd_kafka_incremental_assign(rk_.get(), partitions)};
    if (error) {
      rebalance_errors_.push_back(std::string("assign failed: ") + rd_kafka_error_string(error.get()));
      return;
    }
  } else if (auto err = rd_kafka_assign(rk_.get(), partitions)) {
    rebalance_errors_.push_back(std::string("assign failed: ") + rd_kafka_err2str(err));
    return;
  }
  // A partition librdkafka did not know before the assignment (no metadata yet) could
  // not be paused then: paused now, before poll() returns, its fetched records dropped.
  for (auto* late : {&late_pause, &late_resume})
    if (auto outcome = pause_resume(*late, late == &late_pause); !outcome)
      rebalance_errors_.push_back(outcome.error().reason);
}

void kafka_consumer::revoked(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  const bool lost = rd_kafka_assignment_lost(rk_.get()) != 0;
  if (listener_.on_revoked)
    listener_.on_revoked(partitions_of(partitions), lost);
  if (cooperative) {
    if (partitions == nullptr)
      return;
    error_handle error{rd_kafka_incremental_unassign(rk_.get(), partitions)};
    if (error)
      rebalance_errors_.push_back(std::string("unassign failed: ") + rd_kafka_error_string(error.get()));
  } else if (auto err = rd_kafka_assign(rk_.get(), nullptr)) {
    rebalance_errors_.push_back(std::string("unassign failed: ") + rd_kafka_err2str(err));
  }
}

} // namespace cohort::kafka
