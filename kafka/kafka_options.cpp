#include "kafka/kafka_options.hpp"

#include <optional>

namespace cohort::kafka {

std::string topic_name(const kafka_options& options, std::string_view suffix) {
  std::string name = options.topic_prefix;
  name += '.';
  name += suffix;
  return name;
}

int partitions_of(const kafka_options& options, std::string_view suffix) {
  if (suffix == topics::identity || suffix == topics::members || suffix == topics::feedback)
    return 1;
  return options.partitions;
}

result<conf_handle> make_conf(const kafka_options& options, const std::string& client_id,
                              const kafka_properties& role) {
  if (options.bootstrap.empty())
    return failure{400, "kafka bootstrap servers are not set"};
  conf_handle conf{rd_kafka_conf_new()};
  char errstr[512];
  auto set = [&](const std::string& name, const std::string& value) -> std::optional<failure> {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr)
        == RD_KAFKA_CONF_OK)
      return std::nullopt;
    return failure{400, "librdkafka property " + name + "=" + value + ": " + errstr};
  };
  if (auto bad = set("bootstrap.servers", options.bootstrap))
    return *bad;
  if (auto bad = set("client.id", client_id))
    return *bad;
  for (const auto& [name, value] : role)
    if (auto bad = set(name, value))
      return *bad;
  for (const auto& [name, value] : options.extra)
    if (auto bad = set(name, value))
      return *bad;
  return conf;
}

result<client_handle> new_client(rd_kafka_type_t type, conf_handle conf) {
  char errstr[512];
  // rd_kafka_new takes the configuration only when it succeeds.
  client_handle rk{rd_kafka_new(type, conf.get(), errstr, sizeof errstr)};
  if (!rk)
    return failure{400, std::string("librdkafka client: ") + errstr};
  (void)conf.release();
  return rk;
}

failure kafka_failure(const std::string& what, rd_kafka_resp_err_t err) {
  return failure{503, what + ": " + rd_kafka_err2str(err)};
}

} // namespace cohort::kafka
