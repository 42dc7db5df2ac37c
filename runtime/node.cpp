#include "runtime/node.hpp"

#include <algorithm>
#include <future>
#include <iostream>
#include <thread>

#include <caf/scoped_actor.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include "actors/directory_actor.hpp"
#include "actors/ingest_actor.hpp"
#include "actors/learner_actor.hpp"
#include "actors/locator.hpp"
#include "actors/transfer.hpp"
#include "cluster/cluster_api.hpp"
#include "cluster/cluster_node.hpp"
#include "connectors/webhook_outbox.hpp"
#include "connectors/webhooks_api.hpp"
#include "actors/publisher_actor.hpp"
#include "codecs/native_decoder.hpp"
#include "codecs/time.hpp"
#include "config/loader.hpp"
#include "connectors/kafka_connectors.hpp"
#include "api/console_api.hpp"
#include "api/stream_session.hpp"
#include "runtime/console_assets.hpp"
#include "runtime/worker_pool.hpp"
#include "storage/dead_letter_actor.hpp"
#include "http/http_server.hpp"
#include "storage/rocks_journal.hpp"
#include "api/identity_api.hpp"
#include "api/services.hpp"
#include "api/stream_context.hpp"
#include "storage/decision_store.hpp"
#include "storage/store.hpp"
#include "http/tls_context.hpp"

namespace cohort::runtime {

using namespace cohort::api;
using namespace cohort::http;
using namespace cohort::storage;
using actors::model_reloader;
using actors::session_limits_of;

namespace {

unsigned worker_count() {
  return std::max(2u, std::thread::hardware_concurrency());
}

std::unique_ptr<caf::actor_system_config> actor_config(bool cluster) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  worker_pool::install(*cfg);
  cfg->set("scheduler.max-threads", worker_count());
  if (cluster) {
    cluster::configure_remoting(*cfg);
    // NOTES: without heartbeats a hung (stopped) peer is never noticed; with them its
    // pending requests fail within a couple of seconds instead of at their timeouts.
    cfg->set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(500)});
    cfg->set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(2)});
  }
  return cfg;
}

codecs::event_types types_of(const config::config& cfg) {
  codecs::event_types types;
  for (const auto& [raw, canonical] : cfg.events.aliases)
    types.add_alias(raw, canonical);
  return types;
}

stream_limits stream_limits_of(const config::config& cfg) {
  stream_limits limits;
  limits.idle_timeout = cfg.http.idle_timeout;
  return limits;
}

/// Writes every dirty session and truncates the log, so the next start replays nothing.
void final_checkpoint(caf::actor_system& system, const caf::actor& ingest) {
  caf::scoped_actor self{system};
  self->request(ingest, std::chrono::seconds(60), actors::checkpoint_atom::value)
    .receive([](std::uint64_t) {},
             [&](caf::error& e) {
               std::cerr << "cohortd: final checkpoint failed (the log will be replayed): "
                         << system.render(e) << std::endl;
             });
}

/// Leaving hands every partition over through the broker; an unreachable broker would
/// make that wait forever. The log is the broker's, so nothing acknowledged is lost by
/// going without: the group gives the partitions away after its session timeout.
void leave_cluster(cluster::cluster_node& cluster) {
  constexpr auto leave_deadline = std::chrono::seconds(30);
  auto left = std::async(std::launch::async, [&cluster] { cluster.stop(); });
  if (left.wait_for(leave_deadline) == std::future_status::ready)
    return;
  std::cerr << "cohortd: leaving the cluster took more than " << leave_deadline.count()
            << " s (is the broker reachable?); exiting without a graceful hand-over"
            << std::endl;
  std::_Exit(1);
}

} // namespace

struct node::impl {
  config::config cfg;
  std::unique_ptr<store> db;
  std::unique_ptr<dead_letters> letters;
  std::shared_ptr<rocks_journal> journal;
  std::shared_ptr<actors::identity_graph> graph;
  std::shared_ptr<actors::model_holder> model;
  std::unique_ptr<model_reloader> reloader;
  std::unique_ptr<caf::actor_system_config> actor_cfg;
  std::unique_ptr<caf::actor_system> system;
  std::vector<caf::actor> actors;  // top-level actors, stopped in stop()
  std::unique_ptr<cluster::cluster_node> cluster;  ///< Cluster mode only.
  std::shared_ptr<connectors::webhook_outbox> webhooks;  ///< Single node; null without destinations.
  /// The senders' status (the outbox's, or the cluster's); null without destinations.
  std::shared_ptr<const connectors::webhook_senders> webhook_senders;
  std::unique_ptr<connectors::kafka_connectors> kafka;
  std::unique_ptr<services> svc;
  http_router router;
  std::unique_ptr<http_server> server;

  caf::actor spawn_dead_letter_sink() {
    const auto& dl = cfg.deadletters;
    return system->spawn(dead_letter_actor, letters.get(),
                         retention{dl.max_age.count(), dl.max_bytes}, dl.prune_interval);
  }

  /// The webhook queues and senders; sending starts after the recovery replay.
  result<bool> start_webhooks() {
    if (cfg.webhooks.empty())
      return true;
    auto outbox = connectors::webhook_outbox::start(*system, *db, cfg.ingest.durability == "fsync",
                                                    cfg.webhooks);
    if (!outbox)
      return outbox.error();
    webhooks = std::move(*outbox);
    return true;
  }

  void spawn_actors() {
    auto publisher = system->spawn(actors::publisher_actor, actors::publisher_limits{});
    auto sink = spawn_dead_letter_sink();
    auto flow = std::make_shared<actors::flow_control>(
      static_cast<std::int64_t>(cfg.ingest.max_in_flight));
    auto dedup_hits = std::make_shared<std::atomic<std::uint64_t>>(0);
    // Changes also go to the Kafka sinks, if any: sessions publish through a tee.
    auto published = kafka->sessions_publisher(*system, publisher);
    if (published != publisher)
      actors.push_back(published);
    actors::session_env env{session_limits_of(cfg), model, published, sink, journal, flow,
                            caf::duration{cfg.sessions.passivate_after}, dedup_hits, nullptr,
                            std::max<std::size_t>(1, cfg.sessions.max_live / worker_count()),
                            webhooks};
    std::vector<caf::actor> shards;
    for (unsigned i = 0; i < worker_count(); ++i)
      shards.push_back(system->spawn(actors::directory_actor, env));
    actors::router route{shards};
    actors::ingest_options options;
    options.checkpoint_interval = cfg.ingest.checkpoint_interval;
    auto ingest = system->spawn<caf::detached>(actors::ingest_actor, route, journal, graph,
                                               flow, options);
    auto locator = system->spawn(actors::local_locator, route, graph, ingest,
                                 caf::timespan{cfg.ingest.request_timeout});
    actors.insert(actors.end(), shards.begin(), shards.end());
    actors.insert(actors.end(), {ingest, publisher, sink, caf::actor_cast<caf::actor>(locator)});
    svc.reset(new services{*system, cfg, locator, [shards] { return shards; }, ingest,
                           publisher, *letters,
                           types_of(cfg),
                           cfg.events.mappings.empty() ? codecs::default_mappings()
                                                       : cfg.events.mappings,
                           codecs::now_ms(), model, *reloader, flow, graph,
                           node_counters{dedup_hits}, {}});
    show_kafka();
  }

  /// The feedback loop (SPEC 5): the decision store, and the learner starting from the
  /// counts it holds. A single node's learner applies outcomes as they come and the HTTP
  /// threads write decisions to the store; a cluster node's learner applies the feedback
  /// log from where its store left it, and decisions and outcomes go through the log.
  result<bool> start_learner() {
    auto decisions = std::make_shared<decision_store>(*db);
    auto loaded = decisions->load();
    if (!loaded)
      return loaded.error();
    auto position = decisions->position();
    if (!position)
      return position.error();
    auto board = std::make_shared<actors::posterior_board>(
      std::make_shared<const actors::posteriors>(*loaded));
    auto learned = restore_learned(*decisions);
    if (!learned)
      return learned.error();
    actors::learner_env env{decisions, board, cfg.outcomes.attribution_window,
                            cfg.outcomes.prune_interval, codecs::now_ms, model};
    auto* joined = cluster.get();
    if (joined) {
      env.write_feedback = [joined](std::string bytes, cluster::cluster_node::feedback_done done) {
        joined->append_feedback(std::move(bytes), std::move(done));
      };
      env.node_id = cfg.node.id;
      env.position = *position;
      svc->record_decision = [joined](const actors::decision_record& d,
                                      std::function<void(result<bool>)> done) {
        actors::feedback_record r;
        r.decision = d;
        joined->append_feedback(encode(r), [done](result<std::int64_t> at) {
          done(at ? result<bool>{true} : result<bool>{at.error()});
        });
      };
    } else {
      svc->record_decision = [decisions](const actors::decision_record& d,
                                         std::function<void(result<bool>)> done) {
        done(decisions->record(d));
      };
    }
    auto learner = system->spawn<caf::detached>(actors::learner_actor, std::move(env),
                                                std::move(*loaded), std::move(*learned));
    actors.push_back(learner);
    svc->learner = learner;
    svc->posteriors = std::move(board);
    if (joined)
      return joined->follow_feedback(learner, position->next_offset);
    return true;
  }

  /// The learned score (score.model: learned) as its store left it: its versions and
  /// held-out examples, the current version published to the model's board. Versions learned over other inputs than
  /// score.weights now names are forgotten, said on stderr, and learning starts again
  /// from the config, numbered after them. No learned score: nullopt.
  result<std::optional<actors::learned_start>> restore_learned(decision_store& decisions) {
    using start = std::optional<actors::learned_start>;
    auto board = model->get()->score.learned();
    if (!board)
      return start{};
    auto stored = decisions.load_learned();
    if (!stored)
      return stored.error();
    const auto newest = stored->versions.empty() ? 0 : stored->versions.back().version;
    actors::learning_params params;
    static_cast<config::learning_config&>(params) = cfg.score.learning;
    const auto& initial = board->get()->model;
    auto trainer = actors::learned_trainer::restore(initial, params, std::move(*stored));
    // A restored trainer's versions are all stored; a new one's first is not yet.
    const std::size_t stored_count = trainer ? trainer->versions().size() : 0;
    if (!trainer) {
      if (newest > 0) {
        std::cerr << "cohortd: score.weights changed since the learned score's versions 1.."
                  << newest << " were learned; learning starts again at version " << newest + 1
                  << std::endl;
        if (auto forgotten = decisions.forget_learned(); !forgotten)
          return forgotten.error();
      }
      trainer.emplace(initial, params, codecs::now_ms(), newest + 1);
    }
    const auto& current = trainer->current_version();
    board->set(std::make_shared<const actors::learned_score>(
      actors::learned_score{trainer->current(), current.version}));
    return start{actors::learned_start{std::move(*trainer), board, stored_count}};
  }

  /// The Kafka connectors' figures in /metrics, /admin/api/kafka and the console.
  void show_kafka() {
    svc->metric_writers.push_back([k = kafka.get()](prometheus_writer& w) { k->write_metrics(w); });
    svc->kafka_status = [k = kafka.get()] { return k->status_json(); };
  }

  /// Starts the Kafka sources on the same ingest path as HTTP, once the log is replayed.
  /// In a cluster `svc->ingest` is the events front and positions are the group's.
  result<bool> start_sources() {
    return kafka->start_sources(connectors::source_context{
      *system, svc->ingest, svc->flow, *db, *letters, svc->types, svc->mappings,
      cfg.ingest.max_message_bytes, cfg.ingest.request_timeout, nullptr, {},
      cfg.cluster.enabled()});
  }

  /// Cluster mode (docs/cluster.md): the log is Kafka; this node fronts ingestion,
  /// serves the partitions the group gives it, and asks the others over CAF.
  result<bool> join_cluster() {
    auto publisher = system->spawn(actors::publisher_actor, actors::publisher_limits{});
    auto sink = spawn_dead_letter_sink();
    auto flow = std::make_shared<actors::flow_control>(
      static_cast<std::int64_t>(cfg.ingest.max_in_flight));
    auto dedup_hits = std::make_shared<std::atomic<std::uint64_t>>(0);
    auto joined = cluster::cluster_node::start(
      {*system, cfg, journal, graph, model, publisher, sink, dedup_hits, flow,
       [this](const caf::actor& changes) { return kafka->sessions_publisher(*system, changes); }});
    if (!joined)
      return joined.error();
    cluster = std::move(*joined);
    actors.insert(actors.end(), {publisher, sink});
    auto* node = cluster.get();
    svc.reset(new services{*system, cfg, node->locator(), [node] { return node->shards(); },
                           node->front(), publisher, *letters, types_of(cfg),
                           cfg.events.mappings.empty() ? codecs::default_mappings()
                                                       : cfg.events.mappings,
                           codecs::now_ms(), model, *reloader, flow, graph,
                           node_counters{dedup_hits}, {}});
    show_kafka();
    return true;
  }

  /// Routes the events logged after the last checkpoint through the normal path; the
  /// sessions skip what their snapshots already hold. Bounded by the same flow control
  /// as live traffic, so a long log does not flood memory.
  result<std::uint64_t> replay() {
    caf::scoped_actor self{*system};
    failure error;
    auto replayed = journal->replay(1000, [&](actors::event_batch&& batch) {
      // Transfer records are not events: no session releases flow for them.
      auto n = static_cast<std::int64_t>(
        std::count_if(batch.begin(), batch.end(),
                      [](const auto& ev) { return !actors::is_transfer(ev); }));
      while (!svc->flow->try_admit(n))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // sessions drain it
      self->request(svc->ingest, std::chrono::seconds(60), actors::replay_atom::value,
                    std::move(batch))
        .receive([](std::uint64_t) {}, [&](caf::error& e) { error = {500, system->render(e)}; });
    });
    if (!replayed)
      return replayed.error();
    if (!error.reason.empty())
      return failure{500, "replay: " + error.reason};
    return replayed;
  }
};

node::node() : impl_(std::make_unique<impl>()) {
}

node::~node() {
  stop();
}

result<std::unique_ptr<node>> node::start(config::config cfg,
                                          std::shared_ptr<const actors::engine_model> model) {
  std::unique_ptr<node> n{new node};
  auto& m = *n->impl_;
  m.cfg = std::move(cfg);
  auto db = store::open(m.cfg.node.data_dir);
  if (!db)
    return db.error();
  m.db = std::move(*db);
  m.letters = std::make_unique<dead_letters>(*m.db);
  m.journal = std::make_shared<rocks_journal>(*m.db, m.cfg.ingest.durability == "fsync");
  // A cluster node's graph is a replica of the identity log, filled by its follower; a
  // single node keeps its probabilistic evidence in the journal, across restarts.
  const bool clustered = m.cfg.cluster.enabled();
  m.graph = std::make_shared<actors::identity_graph>(
    m.cfg.identity,
    clustered ? actors::evidence_storage::memory : actors::evidence_storage::records);
  if (!clustered) {
    auto records = m.journal->identity_records();
    if (!records)
      return records.error();
    if (auto loaded = m.graph->load(*records); !loaded)
      return loaded.error();
  }
  m.model = std::make_shared<actors::model_holder>(std::move(model));
  m.reloader = std::make_unique<model_reloader>(m.cfg.source_path, m.model);
  m.actor_cfg = actor_config(clustered);
  m.system = std::make_unique<caf::actor_system>(*m.actor_cfg);
  auto kafka = connectors::kafka_connectors::create(m.cfg.kafka, m.cfg.node.id);
  if (!kafka)
    return kafka.error();
  m.kafka = std::move(*kafka);
  if (clustered) {
    if (auto joined = m.join_cluster(); !joined)
      return joined.error();
    if (auto learning = m.start_learner(); !learning)
      return learning.error();
    if (auto started = m.start_sources(); !started)
      return started.error();
    m.webhook_senders = m.cluster->webhooks();
  } else {
    if (auto started = m.start_webhooks(); !started)
      return started.error();
    m.spawn_actors();
    if (auto learning = m.start_learner(); !learning)
      return learning.error();
    if (auto replayed = m.replay(); !replayed)
      return replayed.error();
    if (m.webhooks) {
      m.webhooks->deliver();
      m.webhook_senders = m.webhooks->senders();
    }
    if (auto started = m.start_sources(); !started)
      return started.error();
  }
  if (m.webhook_senders)
    m.svc->metric_writers.push_back([senders = m.webhook_senders](prometheus_writer& w) {
      connectors::write_webhook_metrics(w, *senders);
    });
  m.svc->ready = true;
  add_ingest_api(m.router, *m.svc);
  add_query_api(m.router, *m.svc);
  add_decision_api(m.router, *m.svc);
  add_outcomes_api(m.router, *m.svc);
  add_models_api(m.router, *m.svc);
  add_admin_api(m.router, *m.svc);
  add_identity_api(m.router, *m.svc);
  connectors::add_webhooks_api(m.router, m.cfg.admin.token, m.webhook_senders);
  add_console_api(m.router, *m.svc, *m.db, console_assets());
  if (clustered)
    cluster::add_cluster_api(m.router, *m.svc, m.cluster->members(), m.cfg.cluster.kafka.partitions);
  http_server_options http;
  config::parse_host_port(m.cfg.node.listen, http.host, http.port);
  http.max_body_bytes = m.cfg.ingest.max_body_bytes;
  http.max_header_bytes = m.cfg.http.max_header_bytes;
  http.header_timeout = m.cfg.http.header_timeout;
  http.body_timeout = m.cfg.http.body_timeout;
  http.idle_timeout = m.cfg.http.idle_timeout;
  http.max_connections = m.cfg.http.max_connections;
  auto tls = tls_context::load(m.cfg.http.tls);
  if (!tls)
    return tls.error();
  http.tls = *tls;
  auto stream = std::make_shared<stream_context>(
    stream_context{*m.system, m.svc->publisher, stream_limits_of(m.cfg), {}, {}, nullptr, {}});
  add_console_stream(*stream, *m.svc);
  stream->resolve_user = [graph = m.graph](const std::string& id) { return graph->profile_of(id); };
  http.upgrades = std::make_shared<stream_endpoint>(std::move(stream));
  m.server = std::make_unique<http_server>(http, m.router);
  auto port = m.server->start();
  if (!port)
    return port.error();
  m.svc->listen = http.host + ":" + std::to_string(*port);
  if (clustered)
    m.cluster->announce(m.svc->listen);
  return n;
}

const std::string& node::listen() const {
  return impl_->svc->listen;
}

const std::string& node::id() const {
  return impl_->cfg.node.id;
}

std::optional<std::string> node::cluster_address() const {
  if (!impl_->cluster)
    return std::nullopt;
  return impl_->cluster->cluster_address();
}

actors::reload_outcome node::reload() {
  return impl_->reloader->reload();
}

void node::stop() {
  auto& m = *impl_;
  if (m.server)
    m.server->stop();
  if (m.kafka)
    m.kafka->stop_sources();  // nothing is appended after the final checkpoint
  if (m.cluster)
    leave_cluster(*m.cluster);
  else if (m.svc)
    final_checkpoint(*m.system, m.svc->ingest);
  for (const auto& a : m.actors)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  m.actors.clear();
  if (m.webhooks)
    m.webhooks->stop();
  m.server.reset();
  m.svc.reset();
  m.kafka.reset();  // sinks flush what the sessions published
  m.cluster.reset();
  m.webhook_senders.reset();
  m.system.reset();
  m.webhooks.reset();
  m.letters.reset();
  m.db.reset();
}

} // namespace cohort::runtime
