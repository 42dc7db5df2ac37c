// Reads cohort.yaml into config::config, reporting every problem with its key and line.
#include "config/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/values.hpp"
#include "config/webhook_reader.hpp"
#include "config/yaml_json.hpp"
#include "config/yaml_reader.hpp"

namespace cohort::config {
namespace {

/// Keys of a placement that are not segment names, hence not usable as segment names.
const std::vector<std::string> k_placement_keys = {"strategy", "holdout", "reward", "default"};

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(trim(part));
  return parts;
}

/// Field at `mark` (yaml-cpp, 0-based) under `path`, for errors found below a field.
field at_mark(const field& f, const YAML::Mark& mark) {
  field at = f;
  if (mark.line >= 0) {
    at.line = mark.line + 1;
    at.column = mark.column + 1;
  }
  return at;
}

/// The field of key `key` when present (its key's position), else the mapping itself
/// with the key appended to the path: where "missing"/"required" errors point.
field key_or_map(const field& map, const yaml_reader::present_keys& present,
                 const std::string& key) {
  if (const auto it = present.find(key); it != present.end()) return it->second;
  return field{map.node, map.path + "." + key, map.line, map.column};
}

/// Walks the whole tree section by section. Each reader fills its part of `config` and
/// leaves defaults in place where a value is bad, so that one run finds every error.
class loader {
public:
  /// `base_dir`: the config file's directory, against which relative paths of files the
  /// config refers to (score.tree_model) are resolved.
  loader(std::vector<config_error>& errors, std::string_view text,
         std::filesystem::path base_dir)
      : r_(errors, text), base_dir_(std::move(base_dir)) {}

  void read(const YAML::Node& root, config& cfg) {
    const field top = r_.root(root);
    if (!root.IsDefined() || root.IsNull()) return;  // An empty file: all defaults.
    if (!r_.expect_mapping(top, "a mapping of sections (node, cluster, ingest, ...)")) return;
    // Placements name segments, so content is read once all segments are known.
    field content{YAML::Node(), "content", 0, 0};
    r_.read_keys(top, {
        {"node", [&](const field& v) { read_node(v, cfg.node); }},
        {"cluster", [&](const field& v) { read_cluster(v, cfg.cluster); }},
        {"admin", [&](const field& v) { read_admin(v, cfg.admin); }},
        {"ingest", [&](const field& v) { read_ingest(v, cfg.ingest); }},
        {"http", [&](const field& v) { read_http(v, cfg.http); }},
        {"events", [&](const field& v) { read_events(v, cfg.events); }},
        {"sessions", [&](const field& v) { read_sessions(v, cfg.sessions); }},
        {"deadletters", [&](const field& v) { read_deadletters(v, cfg.deadletters); }},
        {"outcomes", [&](const field& v) { read_outcomes(v, cfg.outcomes); }},
        {"identity", [&](const field& v) { read_identity(v, cfg.identity); }},
        {"score", [&](const field& v) { read_score(v, cfg.score); }},
        {"tags", [&](const field& v) { read_rules(v, "tag", cfg.tags); }},
        {"segments", [&](const field& v) { read_rules(v, "segment", cfg.segments); }},
        {"content", [&](const field& v) { content = v; }},
        {"webhooks", [&](const field& v) { read_webhooks(r_, v, cfg.webhooks); }},
        {"kafka", [&](const field& v) { read_kafka(v, cfg.kafka); }},
    });
    std::vector<std::string> segment_names;
    for (const auto& segment : cfg.segments) segment_names.push_back(segment.name);
    read_content(content, segment_names, cfg.placements);
  }

private:
  void read_node(const field& f, node_config& out) {
    r_.read_keys(f, {
        {"id", [&](const field& v) { r_.read_nonempty_string(v, out.id); }},
        {"listen", [&](const field& v) { r_.read_host_port(v, out.listen, true); }},
        {"data_dir", [&](const field& v) { r_.read_nonempty_string(v, out.data_dir); }},
    });
  }

  void read_cluster(const field& f, cluster_config& out) {
    r_.read_keys(f, {
        {"listen", [&](const field& v) { read_optional_host_port(v, out.listen); }},
        {"advertise", [&](const field& v) { read_optional_host_port(v, out.advertise); }},
        {"kafka", [&](const field& v) { read_cluster_kafka(v, out.kafka); }},
    });
  }

  void read_cluster_kafka(const field& f, cluster_kafka_config& out) {
    r_.read_keys(f, {
        {"bootstrap", [&](const field& v) { read_brokers(v, out.bootstrap); }},
        {"topic_prefix", [&](const field& v) { read_topic_prefix(v, out.topic_prefix); }},
        {"partitions", [&](const field& v) { read_at_least(v, 1, 10000, out.partitions); }},
        {"replication_factor",
         [&](const field& v) { read_at_least(v, 1, 100, out.replication_factor); }},
        {"session_timeout",
         [&](const field& v) { r_.read_duration(v, out.session_timeout, false); }},
        {"create_topics", [&](const field& v) { r_.read_bool(v, out.create_topics); }},
        {"properties", [&](const field& v) {
           r_.read_entries(v, [&](const std::string& key, const field& value) {
             std::string text;
             if (r_.read_string(value, text)) out.properties.emplace_back(key, text);
           });
         }},
    });
  }

  // kafka: {sources: [...], sinks: [...]} (connectors/).
  void read_kafka(const field& f, kafka_config& out) {
    out.line = f.line;
    r_.read_keys(f, {
        {"sources", [&](const field& v) {
           r_.read_items(v, [&](const field& item) { read_kafka_source(item, out.sources); });
         }},
        {"sinks", [&](const field& v) {
           r_.read_items(v, [&](const field& item) { read_kafka_sink(item, out.sinks); });
         }},
    });
  }

  void read_kafka_source(const field& f, std::vector<kafka_source_config>& out) {
    kafka_source_config source;
    const auto before = r_.error_count();
    const auto present = r_.read_keys(f, {
        {"bootstrap", [&](const field& v) { read_brokers(v, source.bootstrap); }},
        {"topics", [&](const field& v) { read_topics(v, source.topics); }},
        {"group", [&](const field& v) { r_.read_nonempty_string(v, source.group); }},
        {"format", [&](const field& v) { r_.read_choice(v, {"segment", "native"}, source.format); }},
        {"encoding", [&](const field& v) { r_.read_choice(v, {"json", "msgpack"}, source.encoding); }},
        {"properties", [&](const field& v) { read_properties(v, source.properties); }},
    });
    for (const char* key : {"bootstrap", "topics", "group"}) r_.require(f, present, key);
    if (source.format == "segment" && source.encoding == "msgpack")
      r_.fail(key_or_map(f, present, "encoding"),
              "a Segment message is JSON: msgpack goes with format: native");
    if (r_.error_count() == before && source.bootstrap.empty())
      r_.fail(key_or_map(f, present, "bootstrap"), "must name at least one broker");
    if (r_.error_count() == before) out.push_back(std::move(source));
  }

  void read_kafka_sink(const field& f, std::vector<kafka_sink_config>& out) {
    kafka_sink_config sink;
    const auto before = r_.error_count();
    const auto present = r_.read_keys(f, {
        {"bootstrap", [&](const field& v) { read_brokers(v, sink.bootstrap); }},
        {"topic", [&](const field& v) {
           std::vector<std::string> one;
           if (read_topic(v, one)) sink.topic = one.front();
         }},
        {"events", [&](const field& v) { read_change_kinds(v, sink.events); }},
        {"properties", [&](const field& v) { read_properties(v, sink.properties); }},
    });
    for (const char* key : {"bootstrap", "topic", "events"}) r_.require(f, present, key);
    if (r_.error_count() == before && sink.bootstrap.empty())
      r_.fail(key_or_map(f, present, "bootstrap"), "must name at least one broker");
    if (r_.error_count() == before) out.push_back(std::move(sink));
  }

  // A non-empty list of topic names.
  void read_topics(const field& f, std::vector<std::string>& out) {
    if (!r_.read_items(f, [&](const field& item) { read_topic(item, out); })) return;
    if (out.empty()) r_.fail(f, "must list at least one topic");
  }

  // One Kafka topic name: letters, digits, '.', '_' and '-', at most 249 characters.
  bool read_topic(const field& f, std::vector<std::string>& out) {
    std::string name;
    if (!r_.read_nonempty_string(f, name)) return false;
    if (name.size() > 249
        || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789._-") != std::string::npos) {
      r_.fail(f, "a topic name may hold letters, digits, '.', '_' and '-' only, got " +
                     describe(f.node));
      return false;
    }
    out.push_back(std::move(name));
    return true;
  }

  // A non-empty list of change kinds, each one of those the session actors publish.
  void read_change_kinds(const field& f, std::vector<std::string>& out) {
    const std::vector<std::string> kinds = {"segment_change", "tags_change", "profile_merged",
                                            "profile_unmerged"};
    if (!r_.read_items(f, [&](const field& item) {
          std::string kind;
          if (r_.read_choice(item, kinds, kind)) out.push_back(std::move(kind));
        }))
      return;
    if (out.empty()) r_.fail(f, "must list at least one change kind");
  }

  void read_properties(const field& f, std::vector<std::pair<std::string, std::string>>& out) {
    r_.read_entries(f, [&](const std::string& key, const field& value) {
      std::string text;
      if (r_.read_string(value, text)) out.emplace_back(key, text);
    });
  }

  // Kafka topic names allow letters, digits, '.', '_' and '-'.
  void read_topic_prefix(const field& f, std::string& out) {
    std::string prefix;
    if (!r_.read_nonempty_string(f, prefix)) return;
    if (prefix.size() > 200
        || prefix.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789._-") != std::string::npos) {
      r_.fail(f, "a topic prefix may hold letters, digits, '.', '_' and '-' only, got " +
                     describe(f.node));
      return;
    }
    out = std::move(prefix);
  }

  void read_at_least(const field& f, int low, int high, int& out) {
    int value = 0;
    if (!r_.read_int(f, value)) return;
    if (value < low || value > high) {
      r_.fail(f, "must be between " + std::to_string(low) + " and " + std::to_string(high) +
                     ", got " + std::to_string(value));
      return;
    }
    out = value;
  }

  // "" (or nothing) is allowed and means "off"; anything else must be host:port.
  void read_optional_host_port(const field& f, std::string& out) {
    std::string text;
    if (!r_.read_string(f, text)) return;
    if (text.empty()) {
      out.clear();
      return;
    }
    r_.read_host_port(f, out, true);
  }

  void read_admin(const field& f, admin_config& out) {
    r_.read_keys(f, {{"token", [&](const field& v) { r_.read_string(v, out.token); }}});
  }

  void read_ingest(const field& f, ingest_config& out) {
    std::vector<field> key_fields;  // where each cors.keys[i].write_key is
    r_.read_keys(f, {
        {"write_keys", [&](const field& v) { r_.read_string_list(v, out.write_keys); }},
        {"dedup_window", [&](const field& v) { r_.read_duration(v, out.dedup_window, false); }},
        {"max_body_bytes", [&](const field& v) { r_.read_positive_size(v, out.max_body_bytes); }},
        {"max_message_bytes",
         [&](const field& v) { r_.read_positive_size(v, out.max_message_bytes); }},
        {"request_timeout",
         [&](const field& v) { r_.read_duration(v, out.request_timeout, false); }},
        {"durability", [&](const field& v) { r_.read_choice(v, {"os", "fsync"}, out.durability); }},
        {"max_in_flight", [&](const field& v) { r_.read_positive_size(v, out.max_in_flight); }},
        {"checkpoint_interval",
         [&](const field& v) { r_.read_duration(v, out.checkpoint_interval, false); }},
        {"cors", [&](const field& v) { read_cors(v, out.cors, key_fields); }},
    });
    // A per-key entry for a key that is not accepted would never apply: a typo. Checked
    // once the whole section is read, since write_keys may come after cors.
    for (std::size_t i = 0; !out.write_keys.empty() && i < out.cors.keys.size(); ++i)
      if (!contains(out.write_keys, out.cors.keys[i].write_key))
        r_.fail(key_fields[i], "is not one of ingest.write_keys");
  }

  void read_cors(const field& f, cors_config& out, std::vector<field>& key_fields) {
    r_.read_keys(f, {
        {"origins", [&](const field& v) { read_origins(v, out.origins); }},
        {"keys", [&](const field& v) {
           r_.read_items(v, [&](const field& item) { read_cors_key(item, out.keys, key_fields); });
         }},
    });
  }

  void read_cors_key(const field& f, std::vector<cors_key>& out, std::vector<field>& key_fields) {
    if (!r_.expect_mapping(f, "a {write_key, origins} entry")) return;
    const auto before = r_.error_count();
    cors_key key;
    const auto present = r_.read_keys(f, {
        {"write_key", [&](const field& v) { r_.read_nonempty_string(v, key.write_key); }},
        {"origins", [&](const field& v) { read_origins(v, key.origins); }},
    });
    r_.require(f, present, "write_key");
    r_.require(f, present, "origins");
    if (r_.error_count() == before) {
      key_fields.push_back(key_or_map(f, present, "write_key"));
      out.push_back(std::move(key));
    }
  }

  // "*" or scheme://host[:port], as a browser sends it in the Origin header (lower case).
  void read_origins(const field& f, std::vector<std::string>& out) {
    std::vector<std::string> origins;
    if (!r_.read_string_list(f, origins)) return;
    const auto before = r_.error_count();
    for (auto& origin : origins) {
      std::transform(origin.begin(), origin.end(), origin.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (origin != "*" && !is_origin(origin))
        r_.fail(f, "'" + origin + "' is not an origin: expected \"*\" or scheme://host[:port] "
                   "without a path, e.g. https://shop.example.com");
    }
    if (r_.error_count() == before) out = std::move(origins);
  }

  static bool is_origin(const std::string& origin) {
    const auto scheme_end = origin.find("://");
    if (scheme_end == std::string::npos) return false;
    const auto scheme = origin.substr(0, scheme_end);
    const auto authority = origin.substr(scheme_end + 3);
    return (scheme == "http" || scheme == "https") && !authority.empty()
           && authority.find_first_of("/?#@ ") == std::string::npos;
  }

  void read_http(const field& f, http_config& out) {
    r_.read_keys(f, {
        {"header_timeout", [&](const field& v) { r_.read_duration(v, out.header_timeout, false); }},
        {"body_timeout", [&](const field& v) { r_.read_duration(v, out.body_timeout, false); }},
        {"idle_timeout", [&](const field& v) { r_.read_duration(v, out.idle_timeout, false); }},
        {"max_connections", [&](const field& v) { r_.read_positive_size(v, out.max_connections); }},
        {"max_header_bytes",
         [&](const field& v) { r_.read_positive_size(v, out.max_header_bytes); }},
        {"rate_limit", [&](const field& v) { read_rate_limit(v, out.rate_limit); }},
        {"tls", [&](const field& v) { read_tls(v, out.tls); }},
    });
  }

  void read_rate_limit(const field& f, rate_limit_config& out) {
    r_.read_keys(f, {
        {"events_per_second", [&](const field& v) { read_non_negative(v, out.events_per_second); }},
        {"burst", [&](const field& v) { read_non_negative(v, out.burst); }},
    });
  }

  void read_non_negative(const field& f, double& out) {
    double value = 0;
    if (!r_.read_number(f, value)) return;
    if (value < 0) {
      r_.fail(f, "must not be negative (0 = off), got " + describe(f.node));
      return;
    }
    out = value;
  }

  // Both files or neither: a certificate without its key cannot serve TLS. The files
  // must be readable now, so that a typo stops the start instead of the first handshake.
  void read_tls(const field& f, tls_config& out) {
    const auto before = r_.error_count();
    const auto present = r_.read_keys(f, {
        {"cert_file", [&](const field& v) { r_.read_readable_file(v, out.cert_file); }},
        {"key_file", [&](const field& v) { r_.read_readable_file(v, out.key_file); }},
    });
    if (r_.error_count() == before && out.cert_file.empty() != out.key_file.empty()) {
      const auto* missing = out.cert_file.empty() ? "cert_file" : "key_file";
      r_.fail(key_or_map(f, present, missing),
              "required when the other TLS file is set (both PEM files, or neither)");
    }
  }

  void read_events(const field& f, events_config& out) {
    r_.read_keys(f, {
        {"aliases", [&](const field& v) { read_aliases(v, out.aliases); }},
        {"mappings", [&](const field& v) { read_mappings(v, out.mappings); }},
    });
  }

  void read_aliases(const field& f, std::map<std::string, std::string>& out) {
    r_.read_entries(f, [&](const std::string& raw_name, const field& v) {
      std::string canonical;
      if (raw_name.empty()) {
        r_.fail(v, "the raw event name must not be empty");
      } else if (r_.read_nonempty_string(v, canonical)) {
        out[raw_name] = canonical;
      }
    });
  }

  // Present but empty would silently reject every native event, and could not be told
  // apart from "absent" (= built-in shapes) by the caller, so it is an error.
  void read_mappings(const field& f, std::vector<codecs::mapping_rule>& out) {
    if (!f.node.IsSequence() || f.node.size() == 0) {
      r_.fail(f, "expected a non-empty list of mapping rules, got " + describe(f.node) +
                     " (remove the key to use the built-in shapes)");
      return;
    }
    std::map<std::string, int> first_line;
    r_.read_items(f, [&](const field& item) { read_mapping_rule(item, first_line, out); });
  }

  void read_mapping_rule(const field& f, std::map<std::string, int>& first_line,
                         std::vector<codecs::mapping_rule>& out) {
    if (!r_.expect_mapping(f, "a mapping rule {name, when, user_id, type, ...}")) return;
    const auto before = r_.error_count();
    codecs::mapping_rule rule;
    std::string unit = "ms";
    auto raw_key = [&](const char* key, std::string& target) {
      return yaml_reader::key_handler{key, [&](const field& v) { r_.read_string(v, target); }};
    };
    const auto present = r_.read_keys(f, {
        {"name", [&](const field& v) { read_unique_name(v, "mapping", first_line, rule.name); }},
        {"when", [&](const field& v) { r_.read_string_list(v, rule.when); }},
        raw_key("user_id", rule.user_id),
        raw_key("anonymous_id", rule.anonymous_id),
        raw_key("type", rule.type),
        raw_key("type_value", rule.type_value),
        raw_key("timestamp", rule.timestamp),
        {"timestamp_unit", [&](const field& v) { r_.read_choice(v, {"ms", "s", "iso8601"}, unit); }},
        raw_key("session_id", rule.session_id),
        raw_key("event_id", rule.event_id),
        {"properties", [&](const field& v) { read_property_renames(v, rule.properties); }},
    });
    r_.require(f, present, "name");
    if (rule.type.empty() && rule.type_value.empty()) {
      r_.fail(key_or_map(f, present, "type"),
              "needs `type` (raw key holding the event type) or `type_value` (a fixed type)");
    }
    if (rule.user_id.empty() && rule.anonymous_id.empty()) {
      r_.fail(key_or_map(f, present, "user_id"),
              "needs `user_id` or `anonymous_id`: every event must name its user");
    }
    rule.unit = unit == "s" ? codecs::time_unit::s
              : unit == "iso8601" ? codecs::time_unit::iso8601
                                  : codecs::time_unit::ms;
    if (r_.error_count() == before) out.push_back(std::move(rule));
  }

  void read_property_renames(const field& f,
                             std::vector<std::pair<std::string, std::string>>& out) {
    r_.read_entries(f, [&](const std::string& property, const field& v) {
      std::string raw;
      if (property.empty()) {
        r_.fail(v, "the property name must not be empty");
      } else if (r_.read_nonempty_string(v, raw)) {
        out.emplace_back(property, raw);
      }
    });
  }

  // A non-empty name not used before in the same list; `what` names the list in errors.
  bool read_unique_name(const field& f, const std::string& what,
                        std::map<std::string, int>& first_line, std::string& out) {
    std::string name;
    if (!r_.read_nonempty_string(f, name)) return false;
    if (const auto it = first_line.find(name); it != first_line.end()) {
      r_.fail(f, "duplicate " + what + " name '" + name + "' (first at line " +
                     std::to_string(it->second) + ")");
      return false;
    }
    first_line.emplace(name, f.line);
    out = std::move(name);
    return true;
  }

  void read_sessions(const field& f, sessions_config& out) {
    r_.read_keys(f, {
        {"gap", [&](const field& v) { r_.read_duration(v, out.gap, false); }},
        {"allowed_lateness",
         [&](const field& v) { r_.read_duration(v, out.allowed_lateness, true); }},
        {"passivate_after",
         [&](const field& v) { r_.read_duration(v, out.passivate_after, false); }},
        {"recent_events", [&](const field& v) { r_.read_positive_size(v, out.recent_events); }},
        {"max_live", [&](const field& v) { r_.read_positive_size(v, out.max_live); }},
    });
  }

  void read_deadletters(const field& f, deadletters_config& out) {
    r_.read_keys(f, {
        {"max_age", [&](const field& v) { r_.read_duration(v, out.max_age, false); }},
        {"max_bytes", [&](const field& v) { read_byte_size(v, out.max_bytes); }},
        {"prune_interval",
         [&](const field& v) { r_.read_duration(v, out.prune_interval, false); }},
    });
  }

  void read_outcomes(const field& f, outcomes_config& out) {
    r_.read_keys(f, {
        {"attribution_window",
         [&](const field& v) { r_.read_duration(v, out.attribution_window, false); }},
        {"prune_interval",
         [&](const field& v) { r_.read_duration(v, out.prune_interval, false); }},
    });
  }

  // A positive byte count: digits, optionally followed by KiB, MiB or GiB ("256MiB").
  void read_byte_size(const field& f, std::size_t& out) {
    static const std::vector<std::pair<std::string, int>> units = {
        {"KiB", 10}, {"MiB", 20}, {"GiB", 30}};
    std::string text;
    if (!r_.read_nonempty_string(f, text)) return;
    int shift = 0;
    for (const auto& [unit, bits] : units) {
      if (text.size() > unit.size()
          && text.compare(text.size() - unit.size(), unit.size(), unit) == 0) {
        shift = bits;
        text.resize(text.size() - unit.size());
        break;
      }
    }
    const bool digits = !text.empty() && text.size() <= 12
                        && text.find_first_not_of("0123456789") == std::string::npos;
    const std::uint64_t value = digits ? std::stoull(text) : 0;
    if (value == 0 || (value << shift) >> shift != value) {
      r_.fail(f, "expected a positive size in bytes, optionally with KiB, MiB or GiB "
                 "(e.g. 256MiB), got " + describe(f.node));
      return;
    }
    out = static_cast<std::size_t>(value << shift);
  }

  void read_identity(const field& f, identity_config& out) {
    r_.read_keys(f, {
        {"max_identities_per_profile",
         [&](const field& v) { r_.read_positive_size(v, out.max_identities_per_profile); }},
        {"user_id_conflicts",
         [&](const field& v) { r_.read_choice(v, {"refuse", "allow"}, out.user_id_conflicts); }},
        {"probabilistic", [&](const field& v) { read_probabilistic(v, out); }},
    });
  }

  void read_probabilistic(const field& f, identity_config& out) {
    r_.read_keys(f, {
        {"threshold", [&](const field& v) { read_share(v, out.threshold); }},
        {"window", [&](const field& v) { r_.read_duration(v, out.window, false); }},
        {"keys", [&](const field& v) {
           r_.read_items(v, [&](const field& item) { read_match_key(item, out.keys); });
         }},
    });
  }

  void read_match_key(const field& f, std::vector<match_key>& out) {
    match_key key;
    key.line = f.line;
    const auto before = r_.error_count();
    const auto present = r_.read_keys(f, {
        {"fields", [&](const field& v) { read_match_fields(v, key.fields); }},
        {"weight", [&](const field& v) { read_share(v, key.weight); }},
    });
    if (r_.require(f, present, "fields") && r_.require(f, present, "weight")
        && r_.error_count() == before)
      out.push_back(std::move(key));
  }

  void read_match_fields(const field& f, std::vector<std::string>& out) {
    if (!r_.read_string_list(f, out)) return;
    if (out.empty()) r_.fail(f, "needs at least one field");
    for (const auto& path : out) {
      if (path.rfind("context.", 0) != 0 && path.rfind("properties.", 0) != 0
          && path.rfind("traits.", 0) != 0)
        r_.fail(f, "'" + path + "' must start with context., properties. or traits.");
    }
  }

  void read_share(const field& f, double& out) {
    double value = 0;
    if (!r_.read_number(f, value)) return;
    if (value <= 0 || value > 1) {
      r_.fail(f, "must be in (0, 1], got " + describe(f.node));
      return;
    }
    out = value;
  }

  void read_score(const field& f, score_config& out) {
    field tree_model;  // where the path value is, for errors about the file it names
    const auto present = r_.read_keys(f, {
        {"model", [&](const field& v) {
           r_.read_choice(v, {"weighted", "tree", "learned"}, out.model);
         }},
        {"weights", [&](const field& v) { read_factors(v, false, out.weights); }},
        {"caps", [&](const field& v) { read_factors(v, true, out.caps); }},
        {"tree_model", [&](const field& v) {
           if (r_.read_string(v, out.tree_model)) tree_model = v;
         }},
        {"learning", [&](const field& v) { read_learning(v, out.learning); }},
    });
    if (out.model == "tree" && out.tree_model.empty()) {
      r_.fail(key_or_map(f, present, "tree_model"),
              "required when model is tree: the path of an XGBoost JSON model");
    } else if (out.model == "tree") {
      read_tree_model(tree_model, out);
    }
  }

  void read_learning(const field& f, learning_config& out) {
    r_.read_keys(f, {
        {"rate", [&](const field& v) { read_bounded(v, out.rate, false, "a rate in (0, 1]"); }},
        {"l2", [&](const field& v) { read_bounded(v, out.l2, true, "a penalty in [0, 1]"); }},
        {"holdout_share", [&](const field& v) {
           double share = out.holdout_share;
           if (!read_bounded(v, share, false, "a share in (0, 1)")) return;
           if (share < 1) out.holdout_share = share;
           else r_.fail(v, "expected a share in (0, 1): 1 leaves no decision to train on");
         }},
        {"promote_every", [&](const field& v) {
           std::size_t n = 0;
           if (r_.read_positive_size(v, n)) out.promote_every = n;
         }},
    });
  }

  // A number in (0, 1], or [0, 1] where `zero_ok`: rates, penalties and shares.
  bool read_bounded(const field& f, double& out, bool zero_ok, const std::string& what) {
    double value = 0;
    if (!r_.read_number(f, value)) return false;
    if (!(value <= 1) || value < 0 || (value == 0 && !zero_ok)) {
      r_.fail(f, "expected " + what + ", got " + describe(f.node));
      return false;
    }
    out = value;
    return true;
  }

  // A relative path is relative to the config file's directory, so a config and its
  // model can move together.
  void read_tree_model(const field& f, score_config& out) {
    const std::filesystem::path path = base_dir_ / out.tree_model;
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(path, ec)) {
      r_.fail(f, "cannot read '" + path.string() + "': " +
                     (in ? std::string("it is a directory") : std::strerror(errno)));
      return;
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string problem;
    auto model = tree_ensemble::parse(text.str(), problem);
    if (!model) {
      r_.fail(f, "'" + path.string() + "' is not a usable XGBoost model: " + problem);
      return;
    }
    out.tree = std::make_shared<const tree_ensemble>(std::move(*model));
  }

  // Weights may be 0 (a factor switched off) but not negative: the score must stay in
  // [0, 100]. Caps divide the feature value, so they must be positive.
  void read_factors(const field& f, bool positive, std::map<std::string, double>& out) {
    r_.read_entries(f, [&](const std::string& feature, const field& v) {
      double value = 0;
      if (!r_.read_number(v, value)) return;
      if (positive && value <= 0) {
        r_.fail(v, "a cap must be greater than 0, got " + describe(v.node));
      } else if (value < 0) {
        r_.fail(v, "a weight must not be negative, got " + describe(v.node));
      } else {
        out[feature] = value;
      }
    });
  }

  void read_rules(const field& f, const std::string& what, std::vector<rule>& out) {
    std::map<std::string, int> first_line;
    r_.read_items(f, [&](const field& item) { read_rule(item, what, first_line, out); });
  }

  void read_rule(const field& f, const std::string& what, std::map<std::string, int>& first_line,
                 std::vector<rule>& out) {
    if (!r_.expect_mapping(f, "a " + what + " {name, when}")) return;
    const auto before = r_.error_count();
    rule parsed;
    const auto present = r_.read_keys(f, {
        {"name", [&](const field& v) { read_rule_name(v, what, first_line, parsed.name); }},
        {"when", [&](const field& v) { read_when(v, parsed); }},
    });
    r_.require(f, present, "name");
    r_.require(f, present, "when");
    if (r_.error_count() == before) out.push_back(std::move(parsed));
  }

  void read_rule_name(const field& f, const std::string& what,
                      std::map<std::string, int>& first_line, std::string& out) {
    if (!read_unique_name(f, what, first_line, out)) return;
    if (what == "segment" && contains(k_placement_keys, out)) {
      r_.fail(f, "'" + out + "' cannot name a segment: placements use it as a key");
    }
  }

  // Rule compile errors add their offset in the expression to this position.
  void read_when(const field& f, rule& out) {
    if (!r_.read_nonempty_string(f, out.when)) return;
    const auto [line, column] = r_.text_start(f);
    out.line = line;
    out.column = column;
  }

  void read_content(const field& f, const std::vector<std::string>& segments,
                    std::map<std::string, placement>& out) {
    r_.read_keys(f, {{"placements", [&](const field& v) {
                        r_.read_entries(v, [&](const std::string& name, const field& p) {
                          read_placement(p, segments, out[name]);
                        });
                      }}});
  }

  // Besides strategy, holdout and default, every key of a placement is a segment name;
  // checking those against the segments list is what catches typos like "stratgy".
  void read_placement(const field& f, const std::vector<std::string>& segments,
                      placement& out) {
    if (!r_.expect_mapping(f, "a placement {default, <segment>, strategy, holdout, reward}"))
      return;
    const auto present = r_.read_entries(f, [&](const std::string& key, const field& v) {
      if (key == "strategy") {
        r_.read_choice(v, {"static", "thompson"}, out.strategy);
      } else if (key == "reward") {
        r_.read_choice(v, {"conversion", "click"}, out.reward);
      } else if (key == "holdout") {
        read_holdout(v, out.holdout);
      } else if (key == "default") {
        read_variant(v, out.fallback);
      } else if (contains(segments, key)) {
        read_variants(v, out.by_segment[key]);
      } else {
        r_.fail(v, "unknown segment '" + key + "' (placement keys are " +
                       join(k_placement_keys) + " and segment names" +
                       (segments.empty() ? "; no segments are defined" : ": " + join(segments)) +
                       ")");
      }
    });
    r_.require(f, present, "default");
  }

  void read_holdout(const field& f, double& out) {
    double share = 0;
    if (!r_.read_number(f, share)) return;
    if (share < 0 || share > 1) {
      r_.fail(f, "must be a share between 0 and 1, got " + describe(f.node));
      return;
    }
    out = share;
  }

  // A single variant mapping or a non-empty list of them, with distinct ids.
  void read_variants(const field& f, std::vector<variant>& out) {
    if (f.node.IsMap()) {
      variant single;
      if (read_variant(f, single)) out = {single};
      return;
    }
    if (!f.node.IsSequence() || f.node.size() == 0) {
      r_.fail(f, "expected a variant {id, payload} or a non-empty list of them, got " +
                     describe(f.node));
      return;
    }
    std::map<std::string, int> first_line;
    std::vector<variant> variants;
    r_.read_items(f, [&](const field& item) {
      variant parsed;
      if (!read_variant(item, parsed)) return;
      if (const auto it = first_line.find(parsed.id); it != first_line.end()) {
        r_.fail(item, "duplicate variant id '" + parsed.id + "' (first at line " +
                          std::to_string(it->second) + ")");
        return;
      }
      first_line.emplace(parsed.id, item.line);
      variants.push_back(std::move(parsed));
    });
    out = std::move(variants);
  }

  bool read_variant(const field& f, variant& out) {
    if (!r_.expect_mapping(f, "a variant {id, payload}")) return false;
    const auto before = r_.error_count();
    variant parsed;
    const auto present = r_.read_keys(f, {
        {"id", [&](const field& v) { r_.read_nonempty_string(v, parsed.id); }},
        {"payload", [&](const field& v) { read_payload(v, parsed.payload_json); }},
    });
    r_.require(f, present, "id");
    if (r_.error_count() != before) return false;
    out = std::move(parsed);
    return true;
  }

  // `payload:` with nothing after it keeps the default "{}", as an omitted payload does.
  void read_payload(const field& f, std::string& out) {
    if (f.node.IsNull()) return;
    json_encoding encoded = yaml_to_json(f.node);
    if (!encoded.ok()) {
      r_.fail(at_mark(f, encoded.mark), encoded.error);
      return;
    }
    out = std::move(encoded.json);
  }

  // librdkafka's bootstrap list: "host:port,host:port"; "" turns Kafka off.
  void read_brokers(const field& f, std::string& out) {
    std::string brokers;
    if (!r_.read_string(f, brokers)) return;
    if (trim(brokers).empty()) {
      out.clear();
      return;
    }
    const auto before = r_.error_count();
    for (const auto& broker : split(brokers, ',')) {
      std::string host;
      unsigned short port = 0;
      std::string problem = check_host_port(broker, host, port);
      if (problem.empty() && port == 0) problem = "port must be between 1 and 65535";
      if (!problem.empty()) r_.fail(f, "broker '" + broker + "' is not host:port: " + problem);
    }
    if (r_.error_count() == before) out = brokers;
  }

  yaml_reader r_;
  std::filesystem::path base_dir_;
};

// Records where a document starts; the events themselves are not needed.
class document_start : public YAML::EventHandler {
public:
  YAML::Mark mark;
  int nodes = 0;
  int nulls = 0;

  bool empty() const { return nodes == nulls; }
  void OnDocumentStart(const YAML::Mark& m) override { mark = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {
    ++nodes;
    ++nulls;
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { ++nodes; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override { ++nodes; }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override { ++nodes; }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override { ++nodes; }
  void OnMapEnd() override {}
};

// Checks the document structure before YAML::Load builds the first document, and is
// why YAML::LoadAll is not used: yaml-cpp 0.7 never consumes a stray leading ',' and
// LoadAll then appends empty documents until memory runs out (jbeder/yaml-cpp#1040,
// fixed upstream in 0.8.1 by PR #1319). A document that starts where the previous one
// did is that case. Throws YAML::Exception on syntax errors.
std::optional<config_error> check_documents(const std::string& yaml) {
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  document_start first;
  if (!parser.HandleNextDocument(first)) return std::nullopt;
  document_start second;
  if (!parser.HandleNextDocument(second)) return std::nullopt;
  const YAML::Mark at = second.mark;
  if (at.pos == first.mark.pos) {
    const std::string unexpected =
        at.pos >= 0 && static_cast<std::size_t>(at.pos) < yaml.size() ? yaml.substr(at.pos, 1) : "";
    return config_error{"", at.line + 1, at.column + 1,
                        "YAML syntax error: unexpected '" + unexpected + "'"};
  }
  // A trailing "---" with nothing after it is harmless; a second real document is not.
  if (second.empty()) return std::nullopt;
  return config_error{"", at.line + 1, at.column + 1, "only one YAML document is allowed"};
}

config_error syntax_error(const YAML::Exception& e) {
  config_error error{"", 0, 0, "YAML syntax error: " + e.msg};
  if (e.mark.line >= 0) {
    error.line = e.mark.line + 1;
    error.column = e.mark.column + 1;
  }
  return error;
}

bool is_secret_key(const std::string& key) {
  return key.rfind("ingest.write_keys", 0) == 0 || key == "admin.token"
         || (key.rfind("ingest.cors.keys[", 0) == 0
             && key.find(".write_key") != std::string::npos);
}

/// Config errors reach stderr and the admin API (/admin/api/rules, reload answers), so
/// an error about a write key or the admin token must not quote the
/// value it found: a mistyped secret is still a secret.
void hide_secret_values(std::vector<config_error>& errors) {
  for (auto& e : errors) {
    const auto got = e.message.find(", got ");
    if (is_secret_key(e.key) && got != std::string::npos)
      e.message = e.message.substr(0, got) + ", got a value that is not shown (a secret)";
  }
}

// Errors in file order, whatever order the sections were checked in.
void sort_by_position(std::vector<config_error>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
}

} // namespace

std::string config_error::to_string(const std::string& file) const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

load_result load_text(const std::string& yaml, const std::string& name) {
  load_result result;
  result.cfg.source_path = name;
  YAML::Node root;
  try {
    if (auto problem = check_documents(yaml)) {
      result.errors.push_back(*problem);
      return result;
    }
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    result.errors.push_back(syntax_error(e));
    return result;
  }
  loader(result.errors, yaml, std::filesystem::path(name).parent_path())
      .read(root, result.cfg);
  hide_secret_values(result.errors);
  sort_by_position(result.errors);
  return result;
}

load_result load_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    load_result result;
    result.cfg.source_path = path;
    result.errors.push_back(config_error{"", 0, 0, "cannot read config file: it is a directory"});
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    load_result result;
    result.cfg.source_path = path;
    result.errors.push_back(
        config_error{"", 0, 0, std::string("cannot read config file: ") + std::strerror(errno)});
    return result;
  }
  return load_text(text.str(), path);
}

} // namespace cohort::config
