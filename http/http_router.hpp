#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "http/http_types.hpp"

namespace cohort::http {

/// Finds the handler for a method and path: exact paths first, then the longest
/// registered prefix. A path known under another method answers 405 with `Allow`;
/// an unknown path answers 404.
class http_router {
public:
  /// Serves `method` on exactly `path`.
  void add(std::string method, std::string path, http_handler handler);
  /// Serves `method` on every path starting with `prefix` (e.g. "/v1/profiles/").
  void add_prefix(std::string method, std::string prefix, http_handler handler);
  /// Dispatches `req`; always responds exactly once.
  void dispatch(http_request&& req, respond_fn respond) const;

private:
  using by_method = std::map<std::string, http_handler>;
  const by_method* match(const std::string& path) const;
  std::map<std::string, by_method> exact_;
  std::vector<std::pair<std::string, by_method>> prefixes_;  // longest first
};

} // namespace cohort::http
