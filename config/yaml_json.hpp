#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace cohort::config {

/// A YAML subtree re-encoded as compact JSON text, or why it could not be.
struct json_encoding {
  std::string json;   ///< Valid only when `error` is empty.
  std::string error;  ///< E.g. "duplicate key 'a'" or "nested deeper than 64 levels".
  YAML::Mark mark;    ///< Where the problem is.
  bool ok() const { return error.empty(); }
};

/// Encodes any YAML value as JSON. Plain scalars are resolved with the YAML 1.2 core
/// schema (null, true/false, numbers); quoted or block scalars and anything else stay
/// strings; mapping keys always become strings. Non-finite numbers (.inf, .nan) become
/// null, as JSON has none. Anchors may form cycles in yaml-cpp, hence the depth limit.
json_encoding yaml_to_json(const YAML::Node& node);

/// Appends `s` as a JSON string literal, quotes included. Control characters are escaped
/// and invalid UTF-8 bytes become U+FFFD, so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

} // namespace cohort::config
