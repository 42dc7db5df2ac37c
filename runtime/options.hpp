#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codecs/result.hpp"
#include "config/config.hpp"

namespace cohort::runtime {

/// cohortd's command line (SPEC 1). Each set flag overrides the config file's key.
struct options {
  std::string config_path = "config/cohort.yaml";
  std::optional<std::string> listen;          ///< node.listen
  std::optional<std::string> data_dir;        ///< node.data_dir
  std::optional<std::string> node_id;         ///< node.id
  std::optional<std::string> cluster_listen;  ///< cluster.listen
  std::optional<std::string> kafka;           ///< cluster.kafka.bootstrap
  bool demo = false;
  bool help = false;
  bool version = false;
};

/// Parses `--flag value` and `--flag=value`. Unknown flags and missing values fail
/// (status 2) naming the flag.
result<options> parse_options(const std::vector<std::string>& args);

/// Applies the set flags to `cfg`, then checks what file and flags say together (cluster
/// mode needs an address for node-to-node requests); fails (status 2) naming the flag or
/// key.
result<bool> apply_options(const options& opts, config::config& cfg);

/// The --help text.
std::string usage();

} // namespace cohort::runtime
