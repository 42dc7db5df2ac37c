#include "kafka/kafka_producer.hpp"

#include <cstdint>
#include <exception>
#include <iterator>

namespace cohort::kafka {

namespace {

using clock = std::chrono::steady_clock;

std::string millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()); }

void* opaque_of(std::uint64_t id) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
}

std::uint64_t id_of(void* opaque) {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(opaque));
}

/// A callback runs under librdkafka's C frames: an exception must not unwind through
/// them, so one that escapes ends the process here, visibly (noexcept → terminate).
void run_callback(kafka_producer::delivery_callback& callback,
                  result<std::int64_t> outcome) noexcept {
  if (callback)
    callback(std::move(outcome));
}

} // namespace

result<std::unique_ptr<kafka_producer>> kafka_producer::create(const kafka_options& options,
                                                               std::string client_id) {
  const kafka_properties role = {
    {"acks", "all"},
    {"enable.idempotence", "true"},
    {"linger.ms", "2"},
    {"message.timeout.ms", millis(options.message_timeout)},
    {"socket.timeout.ms", millis(options.request_timeout)},
    {"request.timeout.ms", millis(options.request_timeout)},
  };
  auto conf = make_conf(options, client_id, role);
  if (!conf)
    return conf.error();
  std::unique_ptr<kafka_producer> producer{new kafka_producer};
  rd_kafka_conf_set_opaque(conf->get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &kafka_producer::on_delivery_report);
  auto rk = new_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk)
    return rk.error();
  producer->rk_ = std::move(*rk);
  producer->main_queue_.reset(rd_kafka_queue_get_main(producer->rk_.get()));
  producer->poll_thread_ = std::thread([p = producer.get()] { p->poll_loop(); });
  return producer;
}

kafka_producer::~kafka_producer() {
  if (poll_thread_.joinable()) {
    (void)flush(close_flush_timeout);
    // What is still queued or in flight is given up: librdkafka reports each purged
    // record through the poll thread, whose callback then fails.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    (void)flush(std::chrono::milliseconds(500));
    {
      std::lock_guard<std::mutex> guard{mutex_};
      stopping_ = true;
    }
    rd_kafka_queue_yield(main_queue_.get());
    poll_thread_.join();
  }
  // Before the members the callbacks use are destroyed.
  main_queue_.reset();
  rk_.reset();
}

void kafka_producer::produce(std::string topic, std::int32_t partition, std::string key,
                             std::string value, delivery_callback on_delivery) {
  std::uint64_t id = 0;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    id = next_id_++;
    callbacks_.emplace(id, std::move(on_delivery));
  }
  const bool may_wait = !on_poll_thread();
  const auto deadline = clock::now() + queue_full_wait;
  for (;;) {
    auto err = rd_kafka_producev(
      rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
      RD_KAFKA_V_VALUE(value.empty() ? nullptr : value.data(), value.size()),
      RD_KAFKA_V_OPAQUE(opaque_of(id)), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
      return;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      refuse(id, "produce to " + topic + "/" + std::to_string(partition) + " refused: "
                   + rd_kafka_err2str(err));
      return;
    }
    if (!may_wait || clock::now() >= deadline) {
      refuse(id, "local produce queue is full (" + std::to_string(rd_kafka_outq_len(rk_.get()))
                   + " records waiting for the brokers)");
      return;
    }
    // Room appears when deliveries complete; wake on each, or re-check every 5 ms.
    std::unique_lock<std::mutex> lock{mutex_};
    progress_.wait_until(lock, std::min(deadline, clock::now() + std::chrono::milliseconds(5)));
  }
}

result<bool> kafka_producer::flush(std::chrono::milliseconds timeout) {
  if (on_poll_thread())
    return failure{500, "kafka_producer::flush called from a delivery callback"};
  std::unique_lock<std::mutex> lock{mutex_};
  const auto before = next_id_;
  return progress_.wait_for(lock, timeout, [&] {
    return callbacks_.empty() || callbacks_.begin()->first >= before;
  });
}

std::size_t kafka_producer::outstanding() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return callbacks_.size();
}

void kafka_producer::on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* message,
                                        void* client_opaque) {
  auto* self = static_cast<kafka_producer*>(client_opaque);
  auto id = id_of(message->_private);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->deliver(id, message->offset);
    return;
  }
  self->deliver(id, kafka_failure("delivery to " + std::string(rd_kafka_topic_name(message->rkt))
                                    + "/" + std::to_string(message->partition) + " failed",
                                  message->err));
}

void kafka_producer::deliver(std::uint64_t id, result<std::int64_t> outcome) {
  delivery_callback callback;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto it = callbacks_.find(id);
    if (it == callbacks_.end())
      return;  // already failed by the closing sweep
    callback = std::move(it->second);
  }
  run_callback(callback, std::move(outcome));
  {
    std::lock_guard<std::mutex> guard{mutex_};
    callbacks_.erase(id);
  }
  progress_.notify_all();
}

void kafka_producer::refuse(std::uint64_t id, std::string reason) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    refused_.emplace_back(id, std::move(reason));
  }
  rd_kafka_queue_yield(main_queue_.get());
}

void kafka_producer::run_refused() {
  std::vector<std::pair<std::uint64_t, std::string>> refused;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    refused.swap(refused_);
  }
  for (auto& [id, reason] : refused)
    deliver(id, failure{503, std::move(reason)});
}

void kafka_producer::poll_loop() {
  for (;;) {
    rd_kafka_poll(rk_.get(), 100);
    run_refused();
    std::lock_guard<std::mutex> guard{mutex_};
    if (stopping_)
      break;
  }
  rd_kafka_poll(rk_.get(), 0);
  run_refused();
  // Whatever librdkafka did not report by now never will be (the purge is done).
  std::vector<std::uint64_t> left;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (const auto& entry : callbacks_)
      left.push_back(entry.first);
  }
  for (auto id : left)
    deliver(id, failure{503, "producer closed before the record was delivered"});
}

} // namespace cohort::kafka
