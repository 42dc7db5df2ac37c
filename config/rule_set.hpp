#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/feature_catalog.hpp"

namespace cohort::config {

/// A windowed count used by rules, `count("product_view", "5m")`: events of `type`
/// whose event time lies within `span_ms` before the user's latest event time.
struct window_spec {
  std::string type;
  std::int64_t span_ms = 0;
  bool operator==(const window_spec& o) const { return type == o.type && span_ms == o.span_ms; }
};

/// What a compiled rule reads while it is evaluated; the session state implements it.
class eval_input {
public:
  virtual ~eval_input() = default;
  /// A number or boolean (0/1) feature.
  virtual double number(feature f) const = 0;
  /// A string feature ("" when unknown).
  virtual std::string_view text(feature f) const = 0;
  /// The current value of rule_set::windows()[index].
  virtual double window_count(std::size_t index) const = 0;
  /// Whether the user carries `tag` (tags computed so far in this evaluation).
  virtual bool has_tag(std::string_view tag) const = 0;
};

/// A rule that failed to compile, located for the user: rule name, file line, column.
struct rule_error {
  std::string rule;     ///< e.g. "segments[1] (Bounce Risk)".
  int line = 0;         ///< Line of the rule in the config file (0 if unknown).
  int column = 0;       ///< 1-based column within the `when` expression.
  int file_column = 0;  ///< The same place as a column of the config file (0 if unknown).
  std::string message;  ///< e.g. "unknown feature 'scor'".
  /// "line 12, column 31: segments[1] (Bounce Risk): unknown feature 'scor'" (file
  /// position when known, else "segments[1] (Bounce Risk): column 5: ...").
  std::string to_string() const;
};

class compiled_rule;

/// Tags and segments compiled once into evaluation trees; immutable and shared by every
/// session actor, replaced as a whole on reload.
class rule_set {
public:
  ~rule_set();

  /// Compiles every rule; on any error returns nullptr and appends every error (not
  /// just the first) to `errors`. Rules must be boolean; unknown features, functions,
  /// wrong argument counts, type mismatches and syntax errors are errors.
  static std::shared_ptr<const rule_set> compile(const std::vector<rule>& tags,
                                                 const std::vector<rule>& segments,
                                                 std::vector<rule_error>& errors);

  /// Every windowed count any rule uses, deduplicated; window_count() indexes this.
  const std::vector<window_spec>& windows() const { return windows_; }

  /// The names of the tags whose rule holds, in config order. Later tag rules see the
  /// tags earlier ones produced through has_tag().
  std::vector<std::string> tags(const eval_input& in) const;

  /// The first segment whose rule holds, or "default" when none does.
  const std::string& segment(const eval_input& in) const;

  const std::vector<std::string>& tag_names() const { return tag_names_; }
  const std::vector<std::string>& segment_names() const { return segment_names_; }

private:
  rule_set();
  std::vector<window_spec> windows_;
  std::vector<std::string> tag_names_;
  std::vector<std::string> segment_names_;
  std::vector<std::unique_ptr<compiled_rule>> tag_rules_;
  std::vector<std::unique_ptr<compiled_rule>> segment_rules_;
};

} // namespace cohort::config
