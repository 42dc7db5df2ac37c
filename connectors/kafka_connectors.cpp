#include "connectors/kafka_connectors.hpp"

#include <caf/actor_system.hpp>

#include "codecs/json_writer.hpp"
#include "connectors/change_tee.hpp"

namespace cohort::connectors {

result<std::unique_ptr<kafka_connectors>> kafka_connectors::create(const config::kafka_config& cfg,
                                                                   const std::string& node_id) {
  std::unique_ptr<kafka_connectors> out{new kafka_connectors};
  out->cfg_ = cfg;
  out->node_id_ = node_id;
  for (std::size_t i = 0; i < cfg.sinks.size(); ++i) {
    auto sink = kafka_sink::create(cfg.sinks[i], "cohortd-" + node_id + "-sink-" + std::to_string(i));
    if (!sink)
      return sink.error();
    out->sinks_.push_back(std::move(*sink));
  }
  return out;
}

caf::actor kafka_connectors::sessions_publisher(caf::actor_system& system,
                                                const caf::actor& publisher) {
  if (sinks_.empty())
    return publisher;
  return system.spawn<caf::detached>(change_tee, publisher, sinks_);
}

result<bool> kafka_connectors::start_sources(const source_context& ctx) {
  for (std::size_t i = 0; i < cfg_.sources.size(); ++i) {
    auto own = ctx;
    own.lag = lag_;
    own.client_id = "cohortd-" + node_id_ + "-source-" + std::to_string(i);
    auto source = kafka_source::start(cfg_.sources[i], std::move(own));
    if (!source)
      return source.error();
    sources_.push_back(std::move(*source));
  }
  return true;
}

void kafka_connectors::stop_sources() {
  sources_.clear();
}

void kafka_connectors::write_metrics(api::prometheus_writer& w) const {
  auto per_source = [&](const char* name, const char* type, const char* help, auto counter) {
    w.family(name, type, help);
    for (const auto& s : sources_)
      w.sample(name, static_cast<double>(counter(s->counters())), {{"group", s->config().group}});
  };
  per_source("cohort_kafka_source_records_total", "counter",
             "Kafka records applied (positions durable with their events).",
             [](const source_counters& c) { return c.records.load(); });
  per_source("cohort_kafka_source_rejected_total", "counter",
             "Kafka records kept as dead letters.",
             [](const source_counters& c) { return c.rejected.load(); });
  per_source("cohort_kafka_source_paused_total", "counter",
             "Times a source paused its partitions for ingest room.",
             [](const source_counters& c) { return c.paused.load(); });
  per_source("cohort_kafka_source_failures_total", "counter",
             "Appends or dead-letter writes of a source that failed (retried).",
             [](const source_counters& c) { return c.failures.load(); });
  w.family("cohort_kafka_source_lag", "gauge",
           "Records of an assigned source partition not applied yet (high watermark - position).");
  for (const auto& p : lag_->read())
    if (p.lag() >= 0)
      w.sample("cohort_kafka_source_lag", static_cast<double>(p.lag()),
               {{"group", p.group}, {"topic", p.topic}, {"partition", std::to_string(p.partition)}});
  auto per_sink = [&](const char* name, const char* type, const char* help, auto value) {
    w.family(name, type, help);
    for (const auto& s : sinks_)
      w.sample(name, static_cast<double>(value(*s)), {{"topic", s->config().topic}});
  };
  per_sink("cohort_kafka_sink_produced_total", "counter", "Changes a sink's broker acknowledged.",
           [](const kafka_sink& s) { return s.counters().produced.load(); });
  per_sink("cohort_kafka_sink_failed_total", "counter",
           "Changes a sink did not deliver (full queue, delivery timeout, refused).",
           [](const kafka_sink& s) { return s.counters().failed.load(); });
  per_sink("cohort_kafka_sink_queued", "gauge", "Changes produced, delivery not known yet.",
           [](const kafka_sink& s) { return static_cast<std::uint64_t>(s.queued()); });
}

std::string kafka_connectors::status_json() const {
  codecs::json_writer w;
  auto lag = lag_->read();
  w.begin_object().key("sources").begin_array();
  for (const auto& s : sources_) {
    const auto& c = s->counters();
    const auto& cfg = s->config();
    w.begin_object().key("group").value(cfg.group).key("topics").begin_array();
    for (const auto& t : cfg.topics)
      w.value(t);
    w.end_array().key("format").value(cfg.format).key("encoding").value(cfg.encoding);
    w.key("records").value(c.records.load()).key("events").value(c.events.load());
    w.key("rejected").value(c.rejected.load()).key("paused").value(c.paused.load());
    w.key("failures").value(c.failures.load()).key("partitions").begin_array();
    for (const auto& p : lag) {
      if (p.group != cfg.group)
        continue;
      w.begin_object().key("topic").value(p.topic).key("partition").value(p.partition);
      w.key("position").value(p.position).key("high").value(p.high);
      w.key("lag");
      if (p.lag() < 0)
        w.null();
      else
        w.value(p.lag());
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().key("sinks").begin_array();
  for (const auto& s : sinks_) {
    w.begin_object().key("topic").value(s->config().topic).key("events").begin_array();
    for (const auto& e : s->config().events)
      w.value(e);
    w.end_array().key("produced").value(s->counters().produced.load());
    w.key("failed").value(s->counters().failed.load());
    w.key("queued").value(static_cast<std::uint64_t>(s->queued())).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

} // namespace cohort::connectors
