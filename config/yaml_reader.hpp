#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/loader.hpp"

namespace cohort::config {

/// One value of the file with its dotted key path and the 1-based position that errors
/// about it point at: a scalar's own position; for an empty value, a mapping or a list,
/// the position of its key.
struct field {
  YAML::Node node;
  std::string path;
  int line = 0;
  int column = 0;
};

/// Reads typed values out of a YAML tree and collects every problem instead of stopping
/// at the first. Readers report through `errors`, return false on a bad value and then
/// leave their output untouched, so the defaults survive and later checks still run.
class yaml_reader {
public:
  using value_fn = std::function<void(const field& value)>;
  using entry_fn = std::function<void(const std::string& key, const field& value)>;
  struct key_handler {
    std::string key;
    value_fn on_value;
  };
  /// Keys present in a mapping, with the position of each key.
  using present_keys = std::map<std::string, field>;

  yaml_reader(std::vector<config_error>& errors, std::string_view text);

  field root(const YAML::Node& node) const;
  void fail(const field& at, std::string message);
  /// Errors so far; comparing counts tells whether a whole entry read cleanly.
  std::size_t error_count() const { return errors_.size(); }
  /// Reports anything but a mapping (null included) as "expected <what>".
  bool expect_mapping(const field& f, const std::string& what);

  /// A mapping with a fixed set of keys: unknown keys, duplicates and non-mappings are
  /// reported; a null value (an empty section) reads as an empty mapping.
  present_keys read_keys(const field& f, const std::vector<key_handler>& keys);
  /// A mapping with free-form keys, in file order; duplicates are reported.
  present_keys read_entries(const field& f, const entry_fn& on_entry);
  /// A list; a null value reads as an empty list. False when `f` is not a list.
  bool read_items(const field& f, const value_fn& on_item);
  /// Reports "missing key" when `key` is not among `present`.
  bool require(const field& map, const present_keys& present, const std::string& key);

  bool read_string(const field& f, std::string& out);
  bool read_nonempty_string(const field& f, std::string& out);
  /// A path to a file this process can read now (an empty string is left unset).
  bool read_readable_file(const field& f, std::string& out);
  bool read_string_list(const field& f, std::vector<std::string>& out);
  bool read_positive_size(const field& f, std::size_t& out);
  bool read_int(const field& f, int& out);
  bool read_bool(const field& f, bool& out);
  bool read_number(const field& f, double& out);
  bool read_duration(const field& f, duration& out, bool allow_zero);
  /// host:port; port 0 (pick any free port) only where `allow_port_zero`.
  bool read_host_port(const field& f, std::string& out, bool allow_port_zero);
  bool read_choice(const field& f, const std::vector<std::string>& choices, std::string& out);

  /// 1-based line and column where the text of a string scalar starts: past an opening
  /// quote, or on the first content line of a block scalar ("|" or ">").
  std::pair<int, int> text_start(const field& f) const;

private:
  using walk_fn =
      std::function<void(const std::string& key, const field& key_at, const field& value)>;
  void walk_map(const field& f, const walk_fn& on_entry, present_keys& present);
  field child(const field& parent, const YAML::Node& key, const YAML::Node& value) const;
  bool expect_scalar(const field& f, const char* expected);

  std::vector<config_error>& errors_;
  std::string_view text_;
};

/// "a mapping", "a list", "nothing" or the quoted scalar, for "expected X, got Y".
std::string describe(const YAML::Node& node);

/// "a, b, c".
std::string join(const std::vector<std::string>& items, const char* separator = ", ");

} // namespace cohort::config
