#pragma once

#include <memory>

#include <librdkafka/rdkafka.h>

namespace cohort::kafka {

/// Owning handles for librdkafka's C objects, so that every early return frees them.
/// `client_handle` destroys with rd_kafka_destroy, which blocks until librdkafka's own
/// threads have stopped (a consumer must be closed before, see kafka_consumer::close).
struct client_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct conf_deleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
struct queue_deleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct event_deleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
struct message_deleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
struct topic_deleter {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct error_deleter {
  void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};

using client_handle = std::unique_ptr<rd_kafka_t, client_deleter>;
using conf_handle = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;
using partition_list_handle =
  std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;
using queue_handle = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;
using event_handle = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using message_handle = std::unique_ptr<rd_kafka_message_t, message_deleter>;
using topic_handle = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;
using error_handle = std::unique_ptr<rd_kafka_error_t, error_deleter>;

} // namespace cohort::kafka
