#include "cluster/cluster_node.hpp"

#include <algorithm>
#include <iostream>
#include <random>
#include <sstream>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "actors/model_loader.hpp"
#include "cluster/cluster_locator.hpp"
#include "cluster/events_front.hpp"
#include "cluster/feedback_reader.hpp"
#include "cluster/follower.hpp"
#include "cluster/gateway.hpp"
#include "cluster/heartbeat.hpp"
#include "kafka/kafka_admin.hpp"
#include "cluster/partition_owner.hpp"
#include "cluster/sequencer_actor.hpp"
#include "cluster/sequencer_election.hpp"
#include "cluster/webhook_feed.hpp"
#include "connectors/webhook_queue.hpp"
#include "config/loader.hpp"

namespace cohort::cluster {

namespace {

constexpr auto setup_timeout = std::chrono::seconds(15);
constexpr auto heartbeat_period = std::chrono::seconds(1);

kafka::kafka_options options_of(const config::config& cfg) {
  kafka::kafka_options o;
  const auto& k = cfg.cluster.kafka;
  o.bootstrap = k.bootstrap;
  o.topic_prefix = k.topic_prefix;
  o.partitions = k.partitions;
  o.replication_factor = k.replication_factor;
  o.session_timeout = k.session_timeout;
  // librdkafka wants heartbeats well inside the session: a third of it, at most 1 s.
  o.heartbeat_interval = std::min(std::chrono::milliseconds(1000), k.session_timeout / 3);
  o.message_timeout = cfg.ingest.request_timeout;
  o.extra = k.properties;
  return o;
}

std::string random_boot_id() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << rd() << rd();
  return out.str();
}

} // namespace

struct cluster_node::impl {
  caf::actor_system* system = nullptr;
  kafka::kafka_options options;
  std::string node_id;
  std::string boot_id = random_boot_id();
  std::string address;
  std::shared_ptr<kafka::kafka_producer> producer;
  std::shared_ptr<members_view> members;
  std::unique_ptr<follower> follow;
  std::unique_ptr<sequencer_election> election;
  std::unique_ptr<partition_owner> owner;
  std::unique_ptr<heartbeat> beat;
  caf::actor sequencer, gateway, front;
  /// What sessions publish to: a tee to the Kafka sinks, or none (their changes reach
  /// <prefix>.changes through each partition's changes_outbox).
  caf::actor published;
  cluster_locator_actor locator;
  std::shared_ptr<connectors::webhook_senders> webhooks;  ///< Null without destinations.
  std::vector<std::shared_ptr<webhook_feed>> feeds;       ///< One per destination.
  std::unique_ptr<feedback_reader> feedback;
  bool stopped = false;

  /// A sender and a feed from the changes topic per webhook destination.
  result<bool> start_webhooks(caf::actor_system& sys, const std::vector<config::webhook_config>& hooks) {
    if (hooks.empty())
      return true;
    for (const auto& hook : hooks) {
      auto feed = webhook_feed::create(options, node_id, hook,
                                       connectors::webhook_queue::destination_id(hook.url));
      if (!feed)
        return feed.error();
      feeds.push_back(std::move(*feed));
    }
    auto senders = connectors::webhook_senders::start(sys, hooks, [this](std::uint32_t id) {
      auto hook = std::find_if(feeds.begin(), feeds.end(),
                               [id](const auto& f) { return f->destination() == id; });
      return std::static_pointer_cast<connectors::delivery_store>(*hook);
    });
    if (!senders)
      return senders.error();
    webhooks = std::move(*senders);
    webhooks->deliver();
    for (std::size_t i = 0; i < feeds.size(); ++i)
      if (auto started = feeds[i]->start(webhooks, i); !started)
        return started.error();
    return true;
  }
};

cluster_node::~cluster_node() {
  stop();
}

result<std::unique_ptr<cluster_node>> cluster_node::start(parts p) {
  std::unique_ptr<cluster_node> node{new cluster_node};
  node->impl_ = std::make_unique<impl>();
  auto& m = *node->impl_;
  m.system = &p.system;
  m.options = options_of(p.cfg);
  m.node_id = p.cfg.node.id;
  auto ready = p.cfg.cluster.kafka.create_topics ? kafka::ensure_topics(m.options, setup_timeout)
                                                 : kafka::topics_exist(m.options, setup_timeout);
  if (!ready)
    return failure{1, "cluster topics of prefix '" + m.options.topic_prefix
                        + "' not usable: " + ready.error().reason};
  auto producer = kafka::kafka_producer::create(m.options, m.node_id + ".producer");
  if (!producer)
    return producer.error();
  m.producer = std::move(*producer);
  m.members = std::make_shared<members_view>(m.options.session_timeout);
  auto sequencing = std::make_shared<sequencer_epoch>();
  auto follow = follower::start(m.options, m.node_id, {p.graph, m.members, p.publisher, sequencing});
  if (!follow)
    return follow.error();
  m.follow = std::move(*follow);
  auto election = sequencer_election::start(m.options, m.node_id, m.producer, *m.follow, sequencing);
  if (!election)
    return election.error();
  m.election = std::move(*election);
  auto& sys = p.system;
  m.sequencer = sys.spawn(sequencer_actor, p.graph, m.producer, m.options, sequencing);
  // The owner of a profile computes its changes, so a sink gets each change from one node
  // (again, with the same seq, when a successor replays the log after a failover).
  m.published = p.published_through ? p.published_through(caf::actor{}) : caf::actor{};

  const auto timeout = caf::timespan{p.cfg.ingest.request_timeout};
  actors::session_env env{actors::session_limits_of(p.cfg), p.model, m.published, p.dead_letters,
                          p.cache,
                          std::make_shared<actors::flow_control>(
                            static_cast<std::int64_t>(p.cfg.ingest.max_in_flight)),
                          caf::duration{p.cfg.sessions.passivate_after}, p.dedup_hits, nullptr,
                          // One shard per partition, wherever it is served.
                          std::max<std::size_t>(
                            1, p.cfg.sessions.max_live
                                 / static_cast<std::size_t>(p.cfg.cluster.kafka.partitions)),
                          nullptr};
  auto owner = partition_owner::start(owner_context{sys, m.options, m.node_id, m.producer,
                                                    p.cache, env,
                                                    p.cfg.ingest.checkpoint_interval});
  if (!owner)
    return owner.error();
  m.owner = std::move(*owner);
  auto* owner_ptr = m.owner.get();
  m.gateway = sys.spawn(gateway, gateway_context{
                                   m.options.partitions,
                                   [owner_ptr](std::int32_t q) { return owner_ptr->shard_of(q); },
                                   [owner_ptr] { return owner_ptr->shards(); }, m.sequencer,
                                   timeout});
  std::string host;
  unsigned short port = 0;
  config::parse_host_port(p.cfg.cluster.listen, host, port);
  auto bound = sys.middleman().publish(m.gateway, port, host.c_str(), true);
  if (!bound)
    return failure{1, "cannot listen for nodes on " + p.cfg.cluster.listen + ": "
                        + sys.render(bound.error())};
  std::string advertised_host = host;
  if (!p.cfg.cluster.advertise.empty()) {
    unsigned short ignored = 0;
    config::parse_host_port(p.cfg.cluster.advertise, advertised_host, ignored);
  }
  m.address = advertised_host + ":" + std::to_string(*bound);
  m.locator = sys.spawn(cluster_locator, std::shared_ptr<const actors::identity_graph>(p.graph),
                        m.members, m.node_id, m.gateway, m.options.partitions, timeout);
  if (auto hooks = m.start_webhooks(sys, p.cfg.webhooks); !hooks)
    return hooks.error();
  m.front = sys.spawn(events_front,
                      front_context{p.graph, m.locator, m.producer, m.options, m.node_id,
                                    m.boot_id, m.members,
                                    static_cast<std::int64_t>(p.cfg.ingest.max_in_flight),
                                    p.ingest_flow, timeout});
  return node;
}

void cluster_node::announce(std::string http_listen) {
  auto& m = *impl_;
  auto* owner = m.owner.get();
  auto* election = m.election.get();
  m.beat = std::make_unique<heartbeat>(
    m.options, m.producer, m.members,
    [&m, owner, election, http_listen] {
      return member_record{m.node_id, m.boot_id, http_listen, m.address, 0, false,
                           owner->report(), election->epoch()};
    },
    heartbeat_period);
}

void cluster_node::stop() {
  if (!impl_ || impl_->stopped)
    return;
  auto& m = *impl_;
  m.stopped = true;
  if (m.beat)
    m.beat->stop();
  // Finished webhook offsets are committed as the feeds leave their groups.
  for (const auto& feed : m.feeds)
    feed->stop();
  if (m.feedback)
    m.feedback->stop();
  if (m.webhooks)
    m.webhooks->stop();
  m.owner->stop();
  m.election->stop();
  m.follow->stop();
  for (auto* a : {&m.front, &m.gateway, &m.sequencer, &m.published})
    caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(m.locator, caf::exit_reason::user_shutdown);
  if (auto flushed = m.producer->flush(std::chrono::seconds(5)); !flushed || !*flushed)
    std::cerr << "cohortd: records still undelivered when leaving the cluster" << std::endl;
}

std::shared_ptr<const connectors::webhook_senders> cluster_node::webhooks() const {
  return impl_->webhooks;
}

void cluster_node::append_feedback(std::string bytes, feedback_done done) {
  auto& m = *impl_;
  m.producer->produce(kafka::topic_name(m.options, kafka::topics::feedback), 0, "",
                      std::move(bytes), std::move(done));
}

result<bool> cluster_node::follow_feedback(caf::actor learner, std::int64_t from) {
  auto& m = *impl_;
  auto reader = feedback_reader::start(*m.system, m.options, m.node_id,
                                       std::move(learner), from);
  if (!reader)
    return reader.error();
  m.feedback = std::move(*reader);
  return true;
}

caf::actor cluster_node::front() const {
  return impl_->front;
}

actors::locator cluster_node::locator() const {
  return caf::actor_cast<actors::locator>(impl_->locator);
}

std::vector<caf::actor> cluster_node::shards() const {
  return impl_->owner->shards();
}

const std::string& cluster_node::cluster_address() const {
  return impl_->address;
}

std::shared_ptr<const members_view> cluster_node::members() const {
  return impl_->members;
}

} // namespace cohort::cluster
