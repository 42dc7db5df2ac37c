#pragma once

// The rule expression language of tags and segments (SPEC 3, 9):
//
//   expr     := or
//   or       := and ('||' and)*
//   and      := equality ('&&' equality)*
//   equality := compare (('==' | '!=') compare)*
//   compare  := sum (('<' | '<=' | '>' | '>=') sum)*
//   sum      := product (('+' | '-') product)*
//   product  := unary (('*' | '/') unary)*
//   unary    := ('!' | '-') unary | primary
//   primary  := number | string | 'true' | 'false' | feature | call | '(' expr ')'
//   call     := 'count' '(' string ',' string ')' | 'has_tag' '(' string ')'
//
// Types are checked when compiling: + - * / < <= > >= and unary - take numbers (booleans
// are not numbers here); == != compare two values of the same type; && || ! take
// booleans. Division by zero yields 0, so that a rule over a fresh session (e.g.
// `cart_adds / product_views > 0.5` with no views) is simply false instead of NaN/inf.
//
// Compiling resolves feature names to slots and count() windows to indexes, so evaluating
// allocates nothing and looks no name up.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/feature_catalog.hpp"
#include "config/rule_set.hpp"

namespace cohort::config {

/// Why an expression did not compile, at a 1-based column (in characters) of its text.
struct expression_error {
  int column = 0;
  std::string message;  ///< e.g. "unknown feature 'scor' (did you mean 'score'?)".
};

namespace detail {

/// Instructions of a compiled expression; the result type of each is fixed by its code.
enum class expr_op : std::uint8_t {
  number, boolean, text,                          // literals
  feature_number, feature_boolean, feature_text,  // features by slot
  window,                                         // count(): windows()[index]
  has_tag,                                        // has_tag(text)
  negate, logical_not,
  add, subtract, multiply, divide,
  less, less_equal, greater, greater_equal,
  equal_number, not_equal_number,
  equal_boolean, not_equal_boolean,
  equal_text, not_equal_text,
  logical_and, logical_or,
};

/// One node of the evaluation tree; children are indexes of earlier nodes.
struct expr_node {
  expr_op op = expr_op::number;
  std::uint32_t lhs = 0;
  std::uint32_t rhs = 0;
  double number = 0;       ///< Literal value.
  std::size_t index = 0;   ///< Feature slot or window index.
  std::string text;        ///< String literal or tag name.
};

} // namespace detail

/// A compiled expression: a post-order node vector whose last node is the root. Rules are
/// the boolean ones; other types exist so that tests and tools can evaluate any
/// expression.
class compiled_rule {
public:
  compiled_rule(std::vector<detail::expr_node> nodes, value_type type);

  value_type type() const { return type_; }
  std::size_t node_count() const { return nodes_.size(); }

  /// Evaluates a boolean expression (false for other types).
  bool holds(const eval_input& in) const;
  /// Evaluates a number expression (0 for other types).
  double number(const eval_input& in) const;
  /// Evaluates a string expression ("" for other types); views the rule or the input.
  std::string_view text(const eval_input& in) const;

private:
  double number_at(std::uint32_t i, const eval_input& in) const;
  bool boolean_at(std::uint32_t i, const eval_input& in) const;
  std::string_view text_at(std::uint32_t i, const eval_input& in) const;

  std::vector<detail::expr_node> nodes_;
  value_type type_;
};

/// Compiles an expression of any type. count() windows are added to `windows` unless an
/// equal one is already there; on error `windows` is left as it was, `error` is filled
/// and nullptr is returned.
std::unique_ptr<compiled_rule> compile_expression(std::string_view text,
                                                  std::vector<window_spec>& windows,
                                                  expression_error& error);

/// Same, but the expression must be boolean ("rule must be a boolean expression, got
/// number" otherwise, at column 1).
std::unique_ptr<compiled_rule> compile_rule(std::string_view text,
                                            std::vector<window_spec>& windows,
                                            expression_error& error);

/// "number", "boolean" or "string", for messages.
std::string_view type_name(value_type type);

} // namespace cohort::config
