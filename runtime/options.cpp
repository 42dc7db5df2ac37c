#include "runtime/options.hpp"

#include <functional>
#include <map>

#include "config/loader.hpp"

namespace cohort::runtime {

namespace {

using setter = std::function<void(options&, std::string)>;

const std::map<std::string, setter>& valued_flags() {
  static const std::map<std::string, setter> flags{
    {"--config", [](options& o, std::string v) { o.config_path = std::move(v); }},
    {"--listen", [](options& o, std::string v) { o.listen = std::move(v); }},
    {"--data", [](options& o, std::string v) { o.data_dir = std::move(v); }},
    {"--node-id", [](options& o, std::string v) { o.node_id = std::move(v); }},
    {"--cluster-listen", [](options& o, std::string v) { o.cluster_listen = std::move(v); }},
    {"--kafka", [](options& o, std::string v) { o.kafka = std::move(v); }},
  };
  return flags;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto part = text.substr(start, comma - start);
    if (!part.empty())
      out.push_back(part);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

} // namespace

result<options> parse_options(const std::vector<std::string>& args) {
  options opts;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--demo" || flag == "--help" || flag == "-h" || flag == "--version") {
      if (value)
        return failure{2, flag + " takes no value"};
      (flag == "--demo" ? opts.demo : flag == "--version" ? opts.version : opts.help) = true;
      continue;
    }
    auto it = valued_flags().find(flag);
    if (it == valued_flags().end())
      return failure{2, "unknown flag '" + flag + "' (see --help)"};
    if (!value) {
      if (i + 1 >= args.size())
        return failure{2, flag + " needs a value"};
      value = args[++i];
    }
    it->second(opts, std::move(*value));
  }
  return opts;
}

result<bool> apply_options(const options& opts, config::config& cfg) {
  std::string host;
  unsigned short port = 0;
  auto check_address = [&](const char* flag, const std::string& text) -> std::optional<failure> {
    if (!config::parse_host_port(text, host, port))
      return failure{2, std::string(flag) + ": expected HOST:PORT, got '" + text + "'"};
    return std::nullopt;
  };
  if (opts.listen) {
    if (auto err = check_address("--listen", *opts.listen))
      return *err;
    cfg.node.listen = *opts.listen;
  }
  if (opts.cluster_listen) {
    if (auto err = check_address("--cluster-listen", *opts.cluster_listen))
      return *err;
    cfg.cluster.listen = *opts.cluster_listen;
  }
  if (opts.kafka) {
    auto brokers = split_commas(*opts.kafka);
    if (brokers.empty())
      return failure{2, "--kafka: expected HOST:PORT[,HOST:PORT...]"};
    for (const auto& broker : brokers)
      if (auto err = check_address("--kafka", broker))
        return *err;
    cfg.cluster.kafka.bootstrap = *opts.kafka;
  }
  if (opts.data_dir) {
    if (opts.data_dir->empty())
      return failure{2, "--data: expected a directory path"};
    cfg.node.data_dir = *opts.data_dir;
  }
  if (opts.node_id) {
    if (opts.node_id->empty())
      return failure{2, "--node-id: expected a non-empty id"};
    cfg.node.id = *opts.node_id;
  }
  if (cfg.cluster.enabled() && cfg.cluster.listen.empty())
    return failure{2, "cluster.kafka.bootstrap (or --kafka) is set but cluster.listen is empty: "
                      "a cluster node needs an address for node-to-node requests "
                      "(cluster.listen or --cluster-listen)"};
  return true;
}

std::string usage() {
  return R"(usage: cohortd [flags]

Real-time behavioral personalization engine: one node, or a cluster on Kafka.

  --config PATH          config file (default: config/cohort.yaml)
  --listen HOST:PORT     HTTP + WebSocket + console address (node.listen); port 0 = any free port
  --data DIR             durable state directory (node.data_dir)
  --node-id ID           node id (node.id)
  --kafka HOST:PORT,...  Kafka bootstrap servers: cluster mode (cluster.kafka.bootstrap)
  --cluster-listen HOST:PORT   node-to-node address in a cluster (cluster.listen)
  --demo                 run the built-in shopper simulator against this node
  --help                 this text
  --version              print the version

Exit codes: 0 clean stop, 1 runtime failure, 2 bad flags or config (nothing written).
)";
}

} // namespace cohort::runtime
