#include "cluster/heartbeat.hpp"

#include <iostream>

#include "codecs/time.hpp"

namespace cohort::cluster {

namespace {

/// How long the leaving report may take to be delivered.
constexpr auto leave_flush = std::chrono::seconds(2);

} // namespace

heartbeat::heartbeat(const kafka::kafka_options& options, std::shared_ptr<kafka::kafka_producer> producer,
                     std::shared_ptr<members_view> view, report_fn report,
                     std::chrono::milliseconds period)
  : topic_(kafka::topic_name(options, kafka::topics::members)), producer_(std::move(producer)),
    view_(std::move(view)), report_(std::move(report)), period_(period) {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock{mutex_};
    while (!stopping_) {
      lock.unlock();
      beat(false);
      lock.lock();
      wake_.wait_for(lock, period_, [this] { return stopping_; });
    }
  });
}

heartbeat::~heartbeat() {
  stop();
}

void heartbeat::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (stopping_)
      return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  beat(true);
  producer_->flush(leave_flush);
}

void heartbeat::beat(bool leaving) {
  auto report = report_();
  report.at_ms = codecs::now_ms();
  report.leaving = leaving;
  auto key = report.node_id;
  auto value = encode(report);
  view_->update(std::move(report));
  producer_->produce(topic_, 0, std::move(key), std::move(value), [](result<std::int64_t> offset) {
    if (!offset)
      std::cerr << "cohortd: members report not delivered: " << offset.error().reason
                << std::endl;
  });
}

} // namespace cohort::cluster
