#pragma once

#include <memory>
#include <optional>
#include <string>

#include "actors/engine_model.hpp"
#include "codecs/result.hpp"
#include "config/config.hpp"
#include "actors/model_loader.hpp"

namespace cohort::runtime {

/// One running Cohort node: the store, the actor system with its actors, and the HTTP
/// server, wired together and torn down in reverse order.
class node {
public:
  ~node();

  /// Opens the data directory, spawns the actors and starts serving HTTP with `model`
  /// (built from `cfg` by build_model). Fails with the reason when the store cannot be
  /// opened or the address cannot be bound.
  static result<std::unique_ptr<node>> start(config::config cfg,
                                             std::shared_ptr<const actors::engine_model> model);

  /// The HTTP address actually bound ("127.0.0.1:8080"; the port resolved when 0).
  const std::string& listen() const;

  /// In cluster mode, the node-to-node address other nodes dial (the port resolved).
  std::optional<std::string> cluster_address() const;

  /// node.id.
  const std::string& id() const;

  /// Re-reads the config file's rules, score model and placements (SIGHUP).
  actors::reload_outcome reload();

  /// Stops HTTP, then the actors, then closes the store. Idempotent.
  void stop();

private:
  node();
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort::runtime
