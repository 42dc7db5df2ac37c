// Fuzzes the rule expression language: compiling arbitrary text must fail with a located
// error or produce a tree that evaluates without UB (rules come from config files and,
// through reload, from anyone holding the admin token).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/expression.hpp"
#include "config/rule_set.hpp"

using namespace cohort::config;

namespace {

/// Fixed, awkward inputs: zeros and large values stress division and comparisons.
class fuzz_input : public eval_input {
public:
  double number(feature f) const override {
    return static_cast<std::size_t>(f) % 3 == 0 ? 0.0 : 1e308;
  }
  std::string_view text(feature) const override { return "mobile"; }
  double window_count(std::size_t index) const override { return static_cast<double>(index); }
  bool has_tag(std::string_view tag) const override { return tag.size() % 2 == 0; }
};

void one_expression(std::string_view text, const eval_input& in) {
  std::vector<window_spec> windows;
  expression_error error;
  auto rule = compile_expression(text, windows, error);
  if (!rule)
    return;
  (void)rule->holds(in);
  (void)rule->number(in);
  (void)rule->text(in);
}

/// Each line is a rule: even lines tags, odd lines segments.
void whole_rule_set(std::string_view text, const eval_input& in) {
  std::vector<rule> tags, segments;
  std::size_t line = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto when = text.substr(0, end);
    auto& into = line % 2 == 0 ? tags : segments;
    into.push_back(rule{"r" + std::to_string(line), std::string(when), int(line) + 1, 9});
    ++line;
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  std::vector<rule_error> errors;
  auto set = rule_set::compile(tags, segments, errors);
  for (const auto& e : errors)
    (void)e.to_string();
  if (!set)
    return;
  (void)set->tags(in);
  (void)set->segment(in);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fuzz_input in;
  one_expression(text, in);
  whole_rule_set(text, in);
  return 0;
}
