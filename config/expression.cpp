#include "config/expression.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>

#include "config/loader.hpp"

namespace cohort::config {
namespace {

using detail::expr_node;
using detail::expr_op;

// Rules are short; the bound keeps hostile or broken configs from overflowing the stack
// in the recursive parser and evaluator.
constexpr int max_depth = 100;

/// A compile error at a byte offset of the expression; thrown inside this file only and
/// turned into an expression_error (with a character column) by compile_expression.
struct compile_failure {
  std::size_t offset;
  std::string message;
};

[[noreturn]] void fail(std::size_t offset, std::string message) {
  throw compile_failure{offset, std::move(message)};
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// ---------------------------------------------------------------------------------------
// Did-you-mean suggestions.

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

/// " (did you mean 'x'?)" for the closest candidate within distance 2, else "".
std::string suggestion(std::string_view name, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(name, candidate);
    if (d < best_distance && d < candidate.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best.empty() ? std::string() : " (did you mean " + quoted(best) + "?)";
}

std::vector<std::string_view> feature_names() {
  std::vector<std::string_view> names{"true", "false"};
  for (const auto& info : feature_catalog()) names.push_back(info.name);
  return names;
}

const std::vector<std::string_view> function_names{"count", "has_tag"};

bool is_function(std::string_view name) {
  return std::find(function_names.begin(), function_names.end(), name) != function_names.end();
}

// ---------------------------------------------------------------------------------------
// Tokenizer.

enum class token_kind { number, string, identifier, symbol, end };

struct token {
  token_kind kind = token_kind::end;
  std::string_view text;  ///< As written (with quotes for strings).
  std::string value;      ///< Decoded string literal.
  double number = 0;
  std::size_t offset = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class tokenizer {
public:
  explicit tokenizer(std::string_view src) : src_(src) {}

  std::vector<token> run() {
    std::vector<token> out;
    for (skip_space(); pos_ < src_.size(); skip_space()) out.push_back(next());
    token end;
    end.offset = src_.size();
    out.push_back(std::move(end));
    return out;
  }

private:
  void skip_space() {
    while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
  }

  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }

  token next() {
    const char c = peek();
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return number();
    if (c == '"' || c == '\'') return string();
    if (is_ident_start(c)) return identifier();
    return symbol();
  }

  token make(token_kind kind, std::size_t start) const {
    token t;
    t.kind = kind;
    t.offset = start;
    t.text = src_.substr(start, pos_ - start);
    return t;
  }

  token number() {
    const std::size_t start = pos_;
    // Swallow letters too, so that "5m" or "1.2.3" is one bad number, not two tokens.
    while (is_ident_char(peek()) || peek() == '.') ++pos_;
    token t = make(token_kind::number, start);
    const char* first = t.text.data();
    const char* last = first + t.text.size();
    const auto [end, ec] = std::from_chars(first, last, t.number);
    if (ec != std::errc() || end != last) fail(start, "bad number " + quoted(t.text));
    return t;
  }

  token string() {
    const std::size_t start = pos_;
    const char quote = src_[pos_++];
    std::string value;
    while (pos_ < src_.size() && src_[pos_] != quote) {
      if (src_[pos_] == '\\' && pos_ + 1 == src_.size()) break;  // unterminated
      if (src_[pos_] == '\\') {
        value += escape();
      } else {
        value += src_[pos_++];
      }
    }
    if (pos_ >= src_.size() || src_[pos_] != quote) fail(start, "unterminated string");
    ++pos_;  // closing quote
    token t = make(token_kind::string, start);
    t.value = std::move(value);
    return t;
  }

  char escape() {
    const std::size_t at = pos_;
    const char c = peek(1);
    pos_ += 2;
    switch (c) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '\\': case '\'': case '"': return c;
      default:
        fail(at, "unknown escape '\\" + std::string(1, c) + "' in string");
    }
  }

  token identifier() {
    const std::size_t start = pos_;
    while (is_ident_char(peek())) ++pos_;
    return make(token_kind::identifier, start);
  }

  token symbol() {
    static constexpr std::array<std::string_view, 6> pairs{"==", "!=", "<=", ">=", "&&", "||"};
    const std::size_t start = pos_;
    for (std::string_view p : pairs) {
      if (src_.substr(pos_, 2) == p) {
        pos_ += 2;
        return make(token_kind::symbol, start);
      }
    }
    const char c = peek();
    if (std::string_view("<>!+-*/(),").find(c) != std::string_view::npos) {
      ++pos_;
      return make(token_kind::symbol, start);
    }
    if (c == '=' || c == '&' || c == '|') {
      fail(start, "unexpected character '" + std::string(1, c) + "' (did you mean '" +
                      std::string(2, c) + "'?)");
    }
    fail(start, "unexpected character " + quoted(character_at(start)));
  }

  /// The whole UTF-8 sequence at `at`, so that messages never cut a character in half.
  std::string_view character_at(std::size_t at) const {
    const auto lead = static_cast<unsigned char>(src_[at]);
    const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return src_.substr(at, length);
  }

  std::string_view src_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------
// Parser and type checker; emits nodes in post-order, so the root is the last node.

/// A compiled subexpression.
struct operand {
  std::uint32_t node = 0;
  value_type type = value_type::number;
  std::size_t offset = 0;  ///< Where it starts.
  int depth = 1;           ///< Height of its tree, bounded by max_depth.
};

// Binary operators by precedence, lowest first; all are left-associative.
const std::vector<std::vector<std::string_view>> binary_levels{
    {"||"}, {"&&"}, {"==", "!="}, {"<", "<=", ">", ">="}, {"+", "-"}, {"*", "/"}};

class parser {
public:
  parser(std::vector<token> tokens, std::vector<window_spec>& windows)
      : tokens_(std::move(tokens)), windows_(windows) {}

  operand parse_all() {
    operand root = parse_expression();
    if (current().kind != token_kind::end) {
      fail(current().offset, "expected an operator, got " + describe(current()));
    }
    return root;
  }

  std::vector<expr_node> nodes;

private:
  /// Counts parser recursion (parentheses, call arguments, unary operators).
  class nesting_guard {
  public:
    nesting_guard(int& nesting, std::size_t offset) : nesting_(nesting) {
      if (++nesting_ > max_depth) fail(offset, "expression is nested too deeply");
    }
    ~nesting_guard() { --nesting_; }
    nesting_guard(const nesting_guard&) = delete;
    nesting_guard& operator=(const nesting_guard&) = delete;

  private:
    int& nesting_;
  };

  const token& current() const { return tokens_[pos_]; }
  const token& advance() { return tokens_[pos_++]; }

  bool at_symbol(std::string_view s) const {
    return current().kind == token_kind::symbol && current().text == s;
  }

  static std::string describe(const token& t) {
    if (t.kind == token_kind::end) return "end of expression";
    return t.kind == token_kind::string ? std::string(t.text) : quoted(t.text);
  }

  void expect(std::string_view symbol) {
    if (!at_symbol(symbol)) {
      const std::string what = "expected " + quoted(symbol);
      fail(current().offset, current().kind == token_kind::end
                                 ? what
                                 : what + ", got " + describe(current()));
    }
    ++pos_;
  }

  operand parse_expression() {
    const nesting_guard guard(nesting_, current().offset);
    return parse_level(0);
  }

  operand parse_level(std::size_t level) {
    if (level == binary_levels.size()) return parse_unary();
    operand lhs = parse_level(level + 1);
    for (;;) {
      const auto& ops = binary_levels[level];
      if (current().kind != token_kind::symbol ||
          std::find(ops.begin(), ops.end(), current().text) == ops.end()) {
        return lhs;
      }
      const token& op = advance();
      const operand rhs = parse_level(level + 1);
      lhs = binary(op, lhs, rhs);
    }
  }

  operand parse_unary() {
    if (!at_symbol("!") && !at_symbol("-")) return parse_primary();
    const token& op = advance();
    const nesting_guard guard(nesting_, op.offset);
    const operand inner = parse_unary();
    const bool is_not = op.text == "!";
    const value_type wanted = is_not ? value_type::boolean : value_type::number;
    if (inner.type != wanted) {
      fail(op.offset, "operator " + quoted(op.text) + " needs " +
                          (is_not ? "a boolean" : "a number") + ", got " +
                          std::string(type_name(inner.type)));
    }
    expr_node n;
    n.op = is_not ? expr_op::logical_not : expr_op::negate;
    n.lhs = inner.node;
    return emit(std::move(n), wanted, op.offset, inner.depth + 1);
  }

  operand parse_primary() {
    const token& t = current();
    switch (t.kind) {
      case token_kind::number: {
        ++pos_;
        expr_node n;
        n.number = t.number;
        return emit(std::move(n), value_type::number, t.offset);
      }
      case token_kind::string: {
        ++pos_;
        expr_node n;
        n.op = expr_op::text;
        n.text = t.value;
        return emit(std::move(n), value_type::string, t.offset);
      }
      case token_kind::identifier:
        return parse_name();
      case token_kind::end:
        fail(t.offset, "unexpected end of expression");
      case token_kind::symbol:
        break;
    }
    if (!at_symbol("(")) fail(t.offset, "unexpected " + describe(t));
    ++pos_;
    operand inner = parse_expression();
    expect(")");
    inner.offset = t.offset;
    return inner;
  }

  operand parse_name() {
    const token& name = advance();
    if (at_symbol("(")) return parse_call(name);
    if (name.text == "true" || name.text == "false") {
      expr_node n;
      n.op = expr_op::boolean;
      n.number = name.text == "true" ? 1 : 0;
      return emit(std::move(n), value_type::boolean, name.offset);
    }
    const auto info = find_feature(name.text);
    if (!info) {
      if (is_function(name.text)) {
        fail(name.offset, quoted(name.text) + " is a function; call it as " +
                              std::string(name.text) + "(...)");
      }
      fail(name.offset, "unknown feature " + quoted(name.text) +
                            suggestion(name.text, feature_names()));
    }
    return feature_operand(*info, name.offset);
  }

  operand feature_operand(const feature_info& info, std::size_t offset) {
    expr_node n;
    n.index = static_cast<std::size_t>(info.slot);
    switch (info.type) {
      case value_type::number: n.op = expr_op::feature_number; break;
      case value_type::boolean: n.op = expr_op::feature_boolean; break;
      case value_type::string: n.op = expr_op::feature_text; break;
    }
    return emit(std::move(n), info.type, offset);
  }

  /// A call argument; only string literals are accepted, so only these survive.
  struct argument {
    std::size_t offset = 0;
    bool literal = false;
    std::string value;
  };

  operand parse_call(const token& name) {
    if (!is_function(name.text)) {
      const std::string hint = find_feature(name.text)
                                   ? " (" + quoted(name.text) + " is a feature)"
                                   : suggestion(name.text, function_names);
      fail(name.offset, "unknown function " + quoted(name.text) + hint);
    }
    const std::vector<argument> args = parse_arguments();
    if (name.text == "count") return count_call(name, args);
    return has_tag_call(name, args);
  }

  std::vector<argument> parse_arguments() {
    expect("(");
    std::vector<argument> args;
    if (at_symbol(")")) {
      ++pos_;
      return args;
    }
    for (;;) {
      args.push_back(parse_argument());
      if (at_symbol(")")) break;
      if (!at_symbol(",")) {
        fail(current().offset, "expected ',' or ')', got " + describe(current()));
      }
      ++pos_;
    }
    ++pos_;
    return args;
  }

  argument parse_argument() {
    // Arguments are parsed as full expressions, so that `count(device, "5m")` gets a
    // precise message; their nodes are then dropped, a call keeps only literal text.
    const std::size_t mark = nodes.size();
    const operand value = parse_expression();
    argument arg;
    arg.offset = value.offset;
    const expr_node& n = nodes[value.node];
    arg.literal = n.op == expr_op::text;
    if (arg.literal) arg.value = n.text;
    nodes.resize(mark);
    return arg;
  }

  static void check_arguments(const token& name, const std::vector<argument>& args,
                              std::size_t wanted) {
    if (args.size() != wanted) {
      fail(name.offset, std::string(name.text) + "() takes " + std::to_string(wanted) +
                            (wanted == 1 ? " argument" : " arguments") + ", got " +
                            std::to_string(args.size()));
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (!args[i].literal) {
        fail(args[i].offset, std::string(name.text) + "() argument " + std::to_string(i + 1) +
                                 " must be a string literal");
      }
    }
  }

  operand count_call(const token& name, const std::vector<argument>& args) {
    check_arguments(name, args, 2);
    if (args[0].value.empty()) fail(args[0].offset, "count() needs an event type");
    duration span{};
    if (!parse_duration(args[1].value, span)) {
      fail(args[1].offset, "bad duration " + quoted(args[1].value) +
                               " (expected e.g. \"30s\", \"5m\", \"1h\", \"7d\")");
    }
    if (span.count() <= 0) fail(args[1].offset, "count() window must be longer than 0");
    expr_node n;
    n.op = expr_op::window;
    n.index = window_index(window_spec{args[0].value, span.count()});
    return emit(std::move(n), value_type::number, name.offset);
  }

  operand has_tag_call(const token& name, const std::vector<argument>& args) {
    check_arguments(name, args, 1);
    expr_node n;
    n.op = expr_op::has_tag;
    n.text = args[0].value;
    return emit(std::move(n), value_type::boolean, name.offset);
  }

  std::size_t window_index(const window_spec& spec) {
    const auto found = std::find(windows_.begin(), windows_.end(), spec);
    if (found != windows_.end()) return static_cast<std::size_t>(found - windows_.begin());
    windows_.push_back(spec);
    return windows_.size() - 1;
  }

  operand binary(const token& op, const operand& lhs, const operand& rhs) {
    const std::string_view s = op.text;
    expr_node n;
    n.lhs = lhs.node;
    n.rhs = rhs.node;
    value_type result = value_type::boolean;
    if (s == "||" || s == "&&") {
      require(op, lhs, rhs, value_type::boolean);
      n.op = s == "||" ? expr_op::logical_or : expr_op::logical_and;
    } else if (s == "==" || s == "!=") {
      n.op = equality(op, lhs, rhs);
    } else {
      require(op, lhs, rhs, value_type::number);
      n.op = numeric_op(s);
      if (s == "+" || s == "-" || s == "*" || s == "/") result = value_type::number;
    }
    const int depth = std::max(lhs.depth, rhs.depth) + 1;
    if (depth > max_depth) fail(op.offset, "expression is nested too deeply");
    return emit(std::move(n), result, lhs.offset, depth);
  }

  static void require(const token& op, const operand& lhs, const operand& rhs,
                      value_type wanted) {
    for (const operand* side : {&lhs, &rhs}) {
      if (side->type != wanted) {
        fail(op.offset, "operator " + quoted(op.text) + " needs " +
                            std::string(type_name(wanted)) + "s, got " +
                            std::string(type_name(side->type)));
      }
    }
  }

  static expr_op equality(const token& op, const operand& lhs, const operand& rhs) {
    if (lhs.type != rhs.type) {
      fail(op.offset, "operator " + quoted(op.text) + " compares values of the same type, got " +
                          std::string(type_name(lhs.type)) + " and " +
                          std::string(type_name(rhs.type)));
    }
    const bool equal = op.text == "==";
    switch (lhs.type) {
      case value_type::number: return equal ? expr_op::equal_number : expr_op::not_equal_number;
      case value_type::boolean: return equal ? expr_op::equal_boolean : expr_op::not_equal_boolean;
      case value_type::string: break;
    }
    return equal ? expr_op::equal_text : expr_op::not_equal_text;
  }

  static expr_op numeric_op(std::string_view s) {
    if (s == "+") return expr_op::add;
    if (s == "-") return expr_op::subtract;
    if (s == "*") return expr_op::multiply;
    if (s == "/") return expr_op::divide;
    if (s == "<") return expr_op::less;
    if (s == "<=") return expr_op::less_equal;
    if (s == ">") return expr_op::greater;
    return expr_op::greater_equal;
  }

  operand emit(expr_node n, value_type type, std::size_t offset, int depth = 1) {
    nodes.push_back(std::move(n));
    return operand{static_cast<std::uint32_t>(nodes.size() - 1), type, offset, depth};
  }

  std::vector<token> tokens_;
  std::size_t pos_ = 0;
  int nesting_ = 0;
  std::vector<window_spec>& windows_;
};

/// 1-based column, in characters (UTF-8 continuation bytes do not count), of `offset`.
int column_at(std::string_view text, std::size_t offset) {
  int column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

} // namespace

std::string_view type_name(value_type type) {
  switch (type) {
    case value_type::number: return "number";
    case value_type::boolean: return "boolean";
    case value_type::string: return "string";
  }
  return "value";
}

std::unique_ptr<compiled_rule> compile_expression(std::string_view text,
                                                  std::vector<window_spec>& windows,
                                                  expression_error& error) {
  const std::size_t windows_before = windows.size();
  try {
    parser p(tokenizer(text).run(), windows);
    const operand root = p.parse_all();
    return std::make_unique<compiled_rule>(std::move(p.nodes), root.type);
  } catch (const compile_failure& failure) {
    // A failed rule must not leave windows behind that no rule reads.
    windows.erase(windows.begin() + static_cast<std::ptrdiff_t>(windows_before), windows.end());
    error = expression_error{column_at(text, failure.offset), failure.message};
    return nullptr;
  }
}

std::unique_ptr<compiled_rule> compile_rule(std::string_view text,
                                            std::vector<window_spec>& windows,
                                            expression_error& error) {
  const std::size_t windows_before = windows.size();
  auto compiled = compile_expression(text, windows, error);
  if (compiled && compiled->type() != value_type::boolean) {
    windows.erase(windows.begin() + static_cast<std::ptrdiff_t>(windows_before), windows.end());
    error = expression_error{1, "rule must be a boolean expression, got " +
                                    std::string(type_name(compiled->type()))};
    return nullptr;
  }
  return compiled;
}

// ---------------------------------------------------------------------------------------
// Evaluation: a switch per result type over the node vector; no allocation, no lookups.

compiled_rule::compiled_rule(std::vector<detail::expr_node> nodes, value_type type)
    : nodes_(std::move(nodes)), type_(type) {}

bool compiled_rule::holds(const eval_input& in) const {
  return type_ == value_type::boolean && !nodes_.empty() &&
         boolean_at(static_cast<std::uint32_t>(nodes_.size() - 1), in);
}

double compiled_rule::number(const eval_input& in) const {
  if (type_ != value_type::number || nodes_.empty()) return 0;
  return number_at(static_cast<std::uint32_t>(nodes_.size() - 1), in);
}

std::string_view compiled_rule::text(const eval_input& in) const {
  if (type_ != value_type::string || nodes_.empty()) return {};
  return text_at(static_cast<std::uint32_t>(nodes_.size() - 1), in);
}

double compiled_rule::number_at(std::uint32_t i, const eval_input& in) const {
  const expr_node& n = nodes_[i];
  switch (n.op) {
    case expr_op::number: return n.number;
    case expr_op::feature_number: return in.number(static_cast<feature>(n.index));
    case expr_op::window: return in.window_count(n.index);
    case expr_op::negate: return -number_at(n.lhs, in);
    case expr_op::add: return number_at(n.lhs, in) + number_at(n.rhs, in);
    case expr_op::subtract: return number_at(n.lhs, in) - number_at(n.rhs, in);
    case expr_op::multiply: return number_at(n.lhs, in) * number_at(n.rhs, in);
    case expr_op::divide: {
      const double divisor = number_at(n.rhs, in);
      return divisor == 0 ? 0 : number_at(n.lhs, in) / divisor;  // documented: x / 0 == 0
    }
    default: return 0;  // unreachable: the compiler only puts number nodes here
  }
}

bool compiled_rule::boolean_at(std::uint32_t i, const eval_input& in) const {
  const expr_node& n = nodes_[i];
  switch (n.op) {
    case expr_op::boolean: return n.number != 0;
    case expr_op::feature_boolean: return in.number(static_cast<feature>(n.index)) != 0;
    case expr_op::has_tag: return in.has_tag(n.text);
    case expr_op::logical_not: return !boolean_at(n.lhs, in);
    case expr_op::less: return number_at(n.lhs, in) < number_at(n.rhs, in);
    case expr_op::less_equal: return number_at(n.lhs, in) <= number_at(n.rhs, in);
    case expr_op::greater: return number_at(n.lhs, in) > number_at(n.rhs, in);
    case expr_op::greater_equal: return number_at(n.lhs, in) >= number_at(n.rhs, in);
    case expr_op::equal_number: return number_at(n.lhs, in) == number_at(n.rhs, in);
    case expr_op::not_equal_number: return number_at(n.lhs, in) != number_at(n.rhs, in);
    case expr_op::equal_boolean: return boolean_at(n.lhs, in) == boolean_at(n.rhs, in);
    case expr_op::not_equal_boolean: return boolean_at(n.lhs, in) != boolean_at(n.rhs, in);
    case expr_op::equal_text: return text_at(n.lhs, in) == text_at(n.rhs, in);
    case expr_op::not_equal_text: return text_at(n.lhs, in) != text_at(n.rhs, in);
    case expr_op::logical_and: return boolean_at(n.lhs, in) && boolean_at(n.rhs, in);
    case expr_op::logical_or: return boolean_at(n.lhs, in) || boolean_at(n.rhs, in);
    default: return false;  // unreachable: the compiler only puts boolean nodes here
  }
}

std::string_view compiled_rule::text_at(std::uint32_t i, const eval_input& in) const {
  const expr_node& n = nodes_[i];
  switch (n.op) {
    case expr_op::text: return n.text;
    case expr_op::feature_text: return in.text(static_cast<feature>(n.index));
    default: return {};  // unreachable: the compiler only puts string nodes here
  }
}

} // namespace cohort::config
