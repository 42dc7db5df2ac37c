#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace cohort::config {

/// One problem in a config file, located so that a user can fix it without guessing.
struct config_error {
  std::string key;   ///< Dotted key path, e.g. "ingest.max_body_bytes" or "segments[1].when".
  int line = 0;      ///< 1-based line in the file (0 when the file itself is the problem).
  int column = 0;    ///< 1-based column.
  std::string message;
  /// "cohort.yaml:12:3: ingest.max_body_bytes: expected a positive integer, got \"big\"".
  std::string to_string(const std::string& file) const;
};

/// A loaded config, or every error found in it (not just the first).
struct load_result {
  config cfg;
  std::vector<config_error> errors;
  bool ok() const { return errors.empty(); }
};

/// Reads and validates a YAML file. Unknown keys, wrong types, bad durations ("30m",
/// "24h", "500ms"), bad host:port values and unreadable files are all reported.
load_result load_file(const std::string& path);

/// Same, from YAML text; `name` is used in messages, and its directory is where relative
/// paths in the file (score.tree_model) are resolved.
load_result load_text(const std::string& yaml, const std::string& name);

/// Parses "500ms", "30s", "10m", "24h", "7d"; false on anything else.
bool parse_duration(const std::string& text, duration& out);

/// Splits "host:port" ("[::1]:80" too); false when the port is missing or out of range.
bool parse_host_port(const std::string& text, std::string& host, unsigned short& port);

} // namespace cohort::config
