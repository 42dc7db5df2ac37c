#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codecs/native_mapping.hpp"
#include "config/tree_ensemble.hpp"

namespace cohort::config {

using duration = std::chrono::milliseconds;

/// `node:` — this process.
struct node_config {
  std::string id = "node-1";
  std::string listen = "127.0.0.1:8080";  ///< HTTP + WebSocket + console.
  std::string data_dir = "./cohort-data";
};

/// `cluster.kafka:` — the broker the cluster runs on (docs/cluster.md); an empty
/// bootstrap means a single node on its embedded log.
struct cluster_kafka_config {
  std::string bootstrap;               ///< "host:port,host:port"; "" = single node.
  std::string topic_prefix = "cohort";  ///< Topics <prefix>.events, .state, .identity, ...
  int partitions = 64;                 ///< Of the events, state and changes topics; fixed.
  int replication_factor = 3;          ///< Copies of every topic (created by Cohort).
  duration session_timeout = std::chrono::seconds(10);  ///< A silent node loses its users.
  bool create_topics = true;           ///< Create missing topics (CreateTopics) at start.
  /// Extra librdkafka properties for every client (security.protocol, sasl.*, ...).
  std::vector<std::pair<std::string, std::string>> properties;
};

/// `cluster:` — cluster mode when kafka.bootstrap is set.
struct cluster_config {
  std::string listen;     ///< CAF middleman address for node-to-node requests.
  std::string advertise;  ///< The address other nodes reach it at ("" = listen).
  cluster_kafka_config kafka;
  bool enabled() const { return !kafka.bootstrap.empty(); }
};

/// `admin:` — Bearer token for /admin/api and /console; empty = open.
struct admin_config {
  std::string token;
};

/// One `ingest.cors.keys` entry: the web origins that may send with one write key.
struct cors_key {
  std::string write_key;             ///< One of ingest.write_keys (never shown in errors).
  std::vector<std::string> origins;  ///< "*" or exact origins; [] = none.
};

/// `ingest.cors:` — which web pages may send events from a browser. A browser write key
/// is public (it is in the page's source): the origins and the per-key rate limit are
/// what protect it. Only the ingest endpoints answer cross-origin requests.
struct cors_config {
  /// Origins allowed for write keys without their own entry: "*" (any; the default) or
  /// exact origins ("https://shop.example.com", lower case, no path). [] = none.
  std::vector<std::string> origins{"*"};
  std::vector<cors_key> keys;  ///< Per write key, its own list instead of `origins`.
};

/// `ingest:` — HTTP ingestion limits and auth.
struct ingest_config {
  std::vector<std::string> write_keys;         ///< Empty = auth off.
  duration dedup_window = std::chrono::hours(24);
  std::size_t max_body_bytes = 1048576;        ///< Compressed and decompressed bodies alike.
  std::size_t max_message_bytes = 32768;       ///< Segment's per-message limit.
  duration request_timeout = std::chrono::seconds(30);  ///< Wait for the actors' answer.
  std::string durability = "os";  ///< os: survives a process crash; fsync: power loss too.
  std::size_t max_in_flight = 200000;  ///< Acknowledged events not yet applied; past it, 503.
  /// Snapshot + log truncation: each active user is written once per interval, so a short
  /// one costs snapshot writes, a long one replay time after a crash.
  duration checkpoint_interval = std::chrono::seconds(30);
  cors_config cors;  ///< Browser ingest from other origins.
};

/// `http.rate_limit:` — token bucket per write key over ingested events; 0 = off.
struct rate_limit_config {
  double events_per_second = 0;  ///< Refill rate; past it ingest answers 429 + Retry-After.
  double burst = 0;              ///< Bucket size (0 = events_per_second).
};

/// `http.tls:` — both empty = plain HTTP; both set = HTTPS and wss:// only.
struct tls_config {
  std::string cert_file;  ///< PEM certificate chain.
  std::string key_file;   ///< PEM private key (its contents are never logged).
};

/// `http:` — connection limits against slow, idle and flooding clients, and TLS.
struct http_config {
  duration header_timeout = std::chrono::seconds(10);  ///< Whole header, from its first byte.
  duration body_timeout = std::chrono::seconds(30);    ///< Whole body; also a response write.
  duration idle_timeout = std::chrono::seconds(60);    ///< Keep-alive wait for the next request.
  /// Open connections (WebSocket included); past it new plain-HTTP connections get an
  /// immediate 503 + Retry-After and are closed, new TLS connections are closed.
  std::size_t max_connections = 1024;
  std::size_t max_header_bytes = 16384;  ///< Past it, 431.
  rate_limit_config rate_limit;
  tls_config tls;
};

/// `events:` — raw names to canonical types, native shapes to canonical events.
struct events_config {
  std::map<std::string, std::string> aliases;
  std::vector<codecs::mapping_rule> mappings;
};

/// `sessions:` — event-time sessionization and passivation.
struct sessions_config {
  duration gap = std::chrono::minutes(30);
  duration allowed_lateness = std::chrono::minutes(10);
  duration passivate_after = std::chrono::minutes(10);
  std::size_t recent_events = 16;  ///< Raw events kept per user for inspection.
  /// Live session actors a node keeps (memory under bursts of new users); past it the
  /// least recently used passivate. Split evenly over the directory shards.
  std::size_t max_live = 250000;
};

/// `deadletters:` — how long and how much the dead-letter store keeps, so that a stream of
/// bad input cannot fill the disk. The oldest letters go first.
struct deadletters_config {
  duration max_age = std::chrono::hours(7 * 24);      ///< Older letters are pruned.
  std::size_t max_bytes = std::size_t{256} << 20;     ///< Past it the oldest are pruned.
  duration prune_interval = std::chrono::minutes(1);  ///< How often the limits are applied.
};

/// `outcomes:` — how long a decision can be credited with an outcome (SPEC 5). Decision
/// records older than the window are pruned, and outcomes naming them are refused.
struct outcomes_config {
  duration attribution_window = std::chrono::hours(24);
  duration prune_interval = std::chrono::minutes(1);  ///< How often the window is applied.
};

/// One probabilistic matching key: event fields that together point at one device or
/// browser (e.g. context.device.id, or context.ip with context.userAgent).
struct match_key {
  std::vector<std::string> fields;  ///< Dotted paths under context, properties or traits.
  double weight = 0;                ///< Added to a candidate's confidence when all match.
  int line = 0;
};

/// `identity:` — how identities are linked into one profile, and the guards against
/// giant profiles.
struct identity_config {
  std::size_t max_identities_per_profile = 100;  ///< A link past it is refused.
  std::string user_id_conflicts = "refuse";      ///< refuse | allow: merging two userIds.
  double threshold = 0.8;          ///< probabilistic.threshold: confidence that links.
  duration window = std::chrono::minutes(30);  ///< probabilistic.window: evidence lifetime.
  std::vector<match_key> keys;     ///< probabilistic.keys; empty = probabilistic off.
};

/// `score.learning:` how the `learned` model trains from outcomes and when a trained
/// candidate replaces the current version (SPEC 5).
struct learning_config {
  double rate = 0.05;                 ///< SGD learning rate.
  double l2 = 0.0001;                 ///< L2 penalty on the weights (not the bias).
  double holdout_share = 0.2;         ///< Share of decisions kept for evaluation only.
  std::uint64_t promote_every = 500;  ///< Training examples between promotion checks.
};

/// `score:` — the engagement score model.
struct score_config {
  std::string model = "weighted";              ///< weighted | tree | learned
  std::map<std::string, double> weights;
  std::map<std::string, double> caps;
  std::string tree_model;  ///< Path of an XGBoost JSON model, as written in the file.
  /// The model read from `tree_model` (resolved against the config file's directory)
  /// when model is tree; the loader refuses the file if it cannot be read.
  std::shared_ptr<const tree_ensemble> tree;
  learning_config learning;  ///< Used when model is learned.
};

/// One named rule (a tag or a segment) with the line it was declared on, so that rule
/// compile errors can point at the config file.
struct rule {
  std::string name;
  std::string when;
  int line = 0;
  int column = 0;  ///< Column where the `when` string starts in the file.
};

/// One content variant.
struct variant {
  std::string id;
  std::string payload_json = "{}";  ///< The payload, re-encoded as JSON.
};

/// `content.placements.<name>`.
struct placement {
  std::string strategy = "static";                          ///< static | thompson
  double holdout = 0;                                       ///< Share that gets the default.
  /// The outcome the bandit maximises: conversion | click (POST /v1/outcomes).
  std::string reward = "conversion";
  std::map<std::string, std::vector<variant>> by_segment;   ///< Segment -> variants.
  variant fallback;                                         ///< The `default` entry.
};

/// One `webhooks[i]` destination (SPEC 4): changes POSTed to `url`, signed as Standard
/// Webhooks says. `secret` is never printed (errors name the key only).
struct webhook_config {
  std::string url;                  ///< http[s]://host[:port]/path
  std::vector<std::string> events;  ///< segment_change | tags_change | profile_merged | profile_unmerged
  std::string secret;               ///< whsec_<base64 of 24..64 bytes>
  /// PEM certificates trusted for an https URL instead of the system's (a private CA).
  std::string ca_file;
  duration timeout = std::chrono::seconds(10);         ///< One attempt: connect, send, answer.
  std::size_t max_in_flight = 8;     ///< Requests open at once (distinct profiles).
  std::size_t max_queued = 100000;   ///< On disk; past it the oldest change is dropped.
  std::size_t max_attempts = 0;      ///< Per change; 0 = until delivered (or dropped).
  duration backoff_initial = std::chrono::seconds(1);  ///< First retry delay (doubles).
  duration backoff_max = std::chrono::minutes(5);      ///< Retry delay cap (and Retry-After's).
  std::size_t breaker_failures = 5;  ///< Consecutive failures that open the breaker.
  duration breaker_open_for = std::chrono::seconds(30);  ///< Then one probe (half-open).
  int line = 0;    ///< Where the entry starts in the file.
  int column = 0;
};

/// `kafka.sources[i]`: topics whose records are ingested like HTTP batches
/// (connectors/kafka_source.hpp).
struct kafka_source_config {
  std::string bootstrap;            ///< "host:port,host:port".
  std::vector<std::string> topics;  ///< At least one.
  std::string group;                ///< Consumer group id.
  std::string format = "segment";   ///< segment (one Segment message) | native (a raw record).
  std::string encoding = "json";    ///< json | msgpack (native only).
  std::vector<std::pair<std::string, std::string>> properties;  ///< Extra librdkafka ones.
};

/// `kafka.sinks[i]`: a topic every change of the listed kinds is produced to, keyed by
/// profile id (connectors/kafka_sink.hpp).
struct kafka_sink_config {
  std::string bootstrap;
  std::string topic;
  std::vector<std::string> events;  ///< segment_change, tags_change, profile_merged, ...
  std::vector<std::pair<std::string, std::string>> properties;
};

/// `kafka:` — sources and sinks beside the HTTP API. `line` is where the section starts
/// (0 when absent), for refusals made after loading (cluster mode).
struct kafka_config {
  std::vector<kafka_source_config> sources;
  std::vector<kafka_sink_config> sinks;
  int line = 0;
  bool empty() const { return sources.empty() && sinks.empty(); }
};

/// The whole configuration file, typed. Defaults are what runs with no file keys set.
struct config {
  node_config node;
  cluster_config cluster;
  admin_config admin;
  ingest_config ingest;
  http_config http;
  events_config events;
  sessions_config sessions;
  deadletters_config deadletters;
  outcomes_config outcomes;
  identity_config identity;
  score_config score;
  std::vector<rule> tags;
  std::vector<rule> segments;
  std::map<std::string, placement> placements;
  std::vector<webhook_config> webhooks;
  kafka_config kafka;
  std::string source_path;  ///< The file this was loaded from ("" for defaults).
};

} // namespace cohort::config
