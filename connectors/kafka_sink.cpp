#include "connectors/kafka_sink.hpp"

#include <iostream>

#include "api/change_json.hpp"

namespace cohort::connectors {

namespace {

actors::change_event::kind kind_named(const std::string& name) {
  using kind = actors::change_event::kind;
  if (name == "tags_change")
    return kind::tags_change;
  if (name == "profile_merged")
    return kind::profile_merged;
  if (name == "profile_unmerged")
    return kind::profile_unmerged;
  return kind::segment_change;  // the loader admits these four names only
}

} // namespace

kafka_sink::kafka_sink(config::kafka_sink_config cfg, std::unique_ptr<kafka::kafka_producer> producer)
  : cfg_(std::move(cfg)), counters_(std::make_shared<sink_counters>()),
    producer_(std::move(producer)) {
  for (const auto& name : cfg_.events)
    kinds_.insert(kind_named(name));
}

result<std::unique_ptr<kafka_sink>> kafka_sink::create(const config::kafka_sink_config& cfg,
                                                       const std::string& client_id) {
  kafka::kafka_options options;
  options.bootstrap = cfg.bootstrap;
  options.extra = {{"queue.buffering.max.messages", std::to_string(queue_limit)}};
  options.extra.insert(options.extra.end(), cfg.properties.begin(), cfg.properties.end());
  auto producer = kafka::kafka_producer::create(options, client_id);
  if (!producer)
    return failure{producer.error().status,
                   "kafka sink (topic " + cfg.topic + "): " + producer.error().reason};
  return std::unique_ptr<kafka_sink>{new kafka_sink(cfg, std::move(*producer))};
}

void kafka_sink::send(const actors::change_event& change) {
  if (kinds_.count(change.type) == 0)
    return;
  producer_->produce(cfg_.topic, RD_KAFKA_PARTITION_UA, change.user_id, api::change_json(change),
                     [counters = counters_, topic = cfg_.topic,
                      user = change.user_id](result<std::int64_t> offset) {
                       if (offset) {
                         ++counters->produced;
                         return;
                       }
                       // All counted; the first and every 1000th logged.
                       if (counters->failed++ == 0 || counters->failed % 1000 == 0)
                         std::cerr << "cohortd: kafka sink (topic " << topic << "): change of "
                                   << user << " not produced: " << offset.error().reason
                                   << " (" << counters->failed.load() << " so far)" << std::endl;
                     });
}

} // namespace cohort::connectors
