#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "kafka/kafka_options.hpp"
#include "kafka/kafka_producer.hpp"
#include "cluster/log_records.hpp"
#include "cluster/members_view.hpp"

namespace cohort::cluster {

/// Writes this node's report to <prefix>.members every `period` (and notes it in the
/// local view at once, so the node knows itself before its record comes back). stop()
/// writes a last report saying it leaves, so the others forget it without waiting.
class heartbeat {
public:
  using report_fn = std::function<member_record()>;

  heartbeat(const kafka::kafka_options& options, std::shared_ptr<kafka::kafka_producer> producer,
            std::shared_ptr<members_view> view, report_fn report,
            std::chrono::milliseconds period);
  ~heartbeat();
  heartbeat(const heartbeat&) = delete;
  heartbeat& operator=(const heartbeat&) = delete;

  /// Writes the leaving report and stops. Idempotent.
  void stop();

private:
  void beat(bool leaving);

  std::string topic_;
  std::shared_ptr<kafka::kafka_producer> producer_;
  std::shared_ptr<members_view> view_;
  report_fn report_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace cohort::cluster
