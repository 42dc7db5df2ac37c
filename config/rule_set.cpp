#include "config/rule_set.hpp"

#include <algorithm>

#include "config/expression.hpp"

namespace cohort::config {
namespace {

/// "segments[1] (Bounce Risk)", or "segments[1]" for an unnamed rule.
std::string rule_label(const char* group, std::size_t index, const std::string& name) {
  std::string label = std::string(group) + "[" + std::to_string(index) + "]";
  if (!name.empty()) label += " (" + name + ")";
  return label;
}

/// Compiles one group of rules in order, appending one error per broken rule, so that a
/// user sees every broken rule of a file at once.
void compile_group(const char* group, const std::vector<rule>& rules,
                   std::vector<window_spec>& windows, std::vector<std::string>& names,
                   std::vector<std::unique_ptr<compiled_rule>>& compiled,
                   std::vector<rule_error>& errors) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const rule& r = rules[i];
    expression_error error;
    auto rule_tree = compile_rule(r.when, windows, error);
    if (!rule_tree) {
      rule_error e;
      e.rule = rule_label(group, i, r.name);
      e.line = r.line;
      e.column = error.column;
      e.file_column = r.column > 0 ? r.column + error.column - 1 : 0;
      e.message = std::move(error.message);
      errors.push_back(std::move(e));
      continue;
    }
    names.push_back(r.name);
    compiled.push_back(std::move(rule_tree));
  }
}

/// The caller's input plus the tags produced so far in one tags() pass, so that a tag
/// rule can build on an earlier one.
class tag_pass_input final : public eval_input {
public:
  tag_pass_input(const eval_input& base, const std::vector<std::string>& produced)
      : base_(base), produced_(produced) {}

  double number(feature f) const override { return base_.number(f); }
  std::string_view text(feature f) const override { return base_.text(f); }
  double window_count(std::size_t index) const override { return base_.window_count(index); }
  bool has_tag(std::string_view tag) const override {
    return base_.has_tag(tag) ||
           std::find(produced_.begin(), produced_.end(), tag) != produced_.end();
  }

private:
  const eval_input& base_;
  const std::vector<std::string>& produced_;
};

} // namespace

std::string rule_error::to_string() const {
  if (line > 0 && file_column > 0) {
    return "line " + std::to_string(line) + ", column " + std::to_string(file_column) + ": " +
           rule + ": " + message;
  }
  std::string out = line > 0 ? "line " + std::to_string(line) + ": " : std::string();
  return out + rule + ": column " + std::to_string(column) + ": " + message;
}

rule_set::rule_set() = default;
rule_set::~rule_set() = default;

std::shared_ptr<const rule_set> rule_set::compile(const std::vector<rule>& tags,
                                                  const std::vector<rule>& segments,
                                                  std::vector<rule_error>& errors) {
  const std::size_t errors_before = errors.size();
  std::shared_ptr<rule_set> set(new rule_set());  // the constructor is private
  compile_group("tags", tags, set->windows_, set->tag_names_, set->tag_rules_, errors);
  compile_group("segments", segments, set->windows_, set->segment_names_, set->segment_rules_,
                errors);
  if (errors.size() != errors_before) return nullptr;
  return set;
}

std::vector<std::string> rule_set::tags(const eval_input& in) const {
  std::vector<std::string> out;
  const tag_pass_input pass(in, out);
  for (std::size_t i = 0; i < tag_rules_.size(); ++i) {
    // A name configured twice is still one tag.
    if (tag_rules_[i]->holds(pass) &&
        std::find(out.begin(), out.end(), tag_names_[i]) == out.end()) {
      out.push_back(tag_names_[i]);
    }
  }
  return out;
}

const std::string& rule_set::segment(const eval_input& in) const {
  static const std::string fallback = "default";
  for (std::size_t i = 0; i < segment_rules_.size(); ++i) {
    if (segment_rules_[i]->holds(in)) return segment_names_[i];
  }
  return fallback;
}

} // namespace cohort::config
