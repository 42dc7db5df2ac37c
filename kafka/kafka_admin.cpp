#include "kafka/kafka_admin.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace cohort::kafka {

namespace {

struct metadata_deleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct new_topic_deleter {
  void operator()(rd_kafka_NewTopic_t* topic) const { rd_kafka_NewTopic_destroy(topic); }
};
struct admin_options_deleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
using new_topic_handle = std::unique_ptr<rd_kafka_NewTopic_t, new_topic_deleter>;

result<client_handle> admin_client(const kafka_options& options,
                                   std::chrono::milliseconds timeout) {
  auto conf = make_conf(options, "cohort-admin",
                        {{"socket.timeout.ms", std::to_string(std::max<long long>(
                                                 10, static_cast<long long>(timeout.count())))}});
  if (!conf)
    return conf.error();
  return new_client(RD_KAFKA_PRODUCER, std::move(*conf));
}

/// What a metadata request for all topics tells: topics with partition counts, brokers.
struct cluster_view {
  std::map<std::string, int> partitions;
  std::vector<std::int32_t> brokers;
};

result<cluster_view> describe(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* raw = nullptr;
  auto err = rd_kafka_metadata(rk, 1 /* all topics */, nullptr, &raw,
                               static_cast<int>(timeout.count()));
  if (err)
    return kafka_failure("kafka metadata", err);
  std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter> md{raw};
  cluster_view out;
  for (int i = 0; i < md->topic_cnt; ++i)
    out.partitions.emplace(md->topics[i].topic, md->topics[i].partition_cnt);
  for (int i = 0; i < md->broker_cnt; ++i)
    out.brokers.push_back(md->brokers[i].id);
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool compacted(std::string_view suffix) {
  return suffix == topics::state || suffix == topics::identity;
}

} // namespace

result<std::map<std::string, int>> topic_partitions(const kafka_options& options,
                                                    std::chrono::milliseconds timeout) {
  auto rk = admin_client(options, timeout);
  if (!rk)
    return rk.error();
  auto view = describe(rk->get(), timeout);
  if (!view)
    return view.error();
  return std::move(view->partitions);
}

result<bool> topics_exist(const kafka_options& options, std::chrono::milliseconds timeout) {
  auto existing = topic_partitions(options, timeout);
  if (!existing)
    return existing.error();
  for (auto suffix : topics::all)
    if (existing->count(topic_name(options, suffix)) == 0)
      return false;
  return true;
}

result<bool> ensure_topics(const kafka_options& options, std::chrono::milliseconds timeout) {
  if (options.partitions < 1)
    return failure{400, "kafka partitions must be at least 1"};
  if (options.replication_factor < 1)
    return failure{400, "kafka replication factor must be at least 1"};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto rk = admin_client(options, timeout);
  if (!rk)
    return rk.error();
  auto view = describe(rk->get(), timeout);
  if (!view)
    return view.error();

  char errstr[512];
  std::vector<new_topic_handle> missing;
  std::vector<std::string> missing_names;
  for (auto suffix : topics::all) {
    auto name = topic_name(options, suffix);
    int wanted = partitions_of(options, suffix);
    auto found = view->partitions.find(name);
    if (found != view->partitions.end()) {
      if (found->second != wanted)
        return failure{500, "kafka topic " + name + " has " + std::to_string(found->second)
                              + " partitions; the cluster needs " + std::to_string(wanted)};
      continue;
    }
    new_topic_handle topic{rd_kafka_NewTopic_new(name.c_str(), wanted,
                                                 options.replication_factor, errstr,
                                                 sizeof errstr)};
    if (!topic)
      return failure{400, "kafka topic " + name + ": " + errstr};
    if (compacted(suffix)) {
      if (auto err = rd_kafka_NewTopic_set_config(topic.get(), "cleanup.policy", "compact"))
        return kafka_failure("kafka topic " + name + " cleanup.policy", err);
    }
    // A node that joins rebuilds the bandit's counts from the whole feedback log.
    if (suffix == topics::feedback) {
      if (auto err = rd_kafka_NewTopic_set_config(topic.get(), "retention.ms", "-1"))
        return kafka_failure("kafka topic " + name + " retention.ms", err);
    }
    missing.push_back(std::move(topic));
    missing_names.push_back(name);
  }
  if (missing.empty())
    return true;

  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0)
    return failure{504, "kafka topics " + joined(missing_names) + " are missing; timed out before CreateTopics"};
  // CreateTopics goes to the controller. librdkafka's mock cluster names broker 0, which
  // does not exist, and librdkafka would wait for it until the timeout: say so at once.
  auto controller = rd_kafka_controllerid(rk->get(), static_cast<int>(left.count()));
  if (std::find(view->brokers.begin(), view->brokers.end(), controller) == view->brokers.end())
    return failure{503, "kafka topics " + joined(missing_names)
                          + " are missing and the cluster cannot create them: its controller "
                          + std::to_string(controller)
                          + " is not one of its brokers, so CreateTopics has nowhere to go "
                            "(librdkafka's mock cluster is like that: create the topics on the "
                            "mock itself)"};
  std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter> admin_options{
    rd_kafka_AdminOptions_new(rk->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS)};
  const int left_ms = static_cast<int>(left.count());
  if (rd_kafka_AdminOptions_set_request_timeout(admin_options.get(), left_ms, errstr,
                                                sizeof errstr)
        || rd_kafka_AdminOptions_set_operation_timeout(admin_options.get(), left_ms, errstr,
                                                       sizeof errstr))
    return failure{400, std::string("kafka topics: ") + errstr};

  std::vector<rd_kafka_NewTopic_t*> borrowed;
  for (auto& topic : missing)
    borrowed.push_back(topic.get());
  queue_handle queue{rd_kafka_queue_new(rk->get())};
  rd_kafka_CreateTopics(rk->get(), borrowed.data(), borrowed.size(), admin_options.get(),
                        queue.get());
  // The request timeout bounds the answer; a little more for librdkafka to deliver it.
  event_handle event{rd_kafka_queue_poll(queue.get(), left_ms + 1000)};
  if (!event)
    return failure{504, "kafka CreateTopics: no answer within " + std::to_string(left_ms) + " ms"};
  if (auto err = rd_kafka_event_error(event.get()))
    return failure{503, std::string("kafka CreateTopics failed: ")
                          + rd_kafka_event_error_string(event.get()) + " ("
                          + rd_kafka_err2name(err) + ")"};
  const auto* answer = rd_kafka_event_CreateTopics_result(event.get());
  if (answer == nullptr)
    return failure{503, "kafka CreateTopics: unexpected answer"};
  std::size_t count = 0;
  const auto* results = rd_kafka_CreateTopics_result_topics(answer, &count);
  std::string refused;
  for (std::size_t i = 0; i < count; ++i) {
    auto err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      continue;
    const char* message = rd_kafka_topic_result_error_string(results[i]);
    refused += (refused.empty() ? "" : "; ") + std::string(rd_kafka_topic_result_name(results[i]))
               + ": " + (message != nullptr ? message : rd_kafka_err2str(err));
  }
  if (!refused.empty())
    return failure{503, "kafka CreateTopics refused " + refused};
  // A topic another node created meanwhile may have other partition counts: check.
  left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  auto now = describe(rk->get(), std::max(left, std::chrono::milliseconds(1000)));
  if (!now)
    return now.error();
  for (auto suffix : topics::all) {
    auto name = topic_name(options, suffix);
    auto found = now->partitions.find(name);
    int wanted = partitions_of(options, suffix);
    if (found != now->partitions.end() && found->second != wanted)
      return failure{500, "kafka topic " + name + " has " + std::to_string(found->second)
                            + " partitions; the cluster needs " + std::to_string(wanted)};
  }
  return true;
}

} // namespace cohort::kafka
