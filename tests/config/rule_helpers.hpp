#pragma once

// Shared by the rule tests: a fake eval_input and one-line compile helpers.

#include <array>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "config/expression.hpp"
#include "config/rule_set.hpp"

namespace cohort::config::test {

/// Features, window counts and tags set by hand; counts the calls a rule makes.
class fake_input : public eval_input {
public:
  fake_input& set(feature f, double value) {
    numbers_[static_cast<std::size_t>(f)] = value;
    return *this;
  }
  fake_input& set_text(feature f, std::string value) {
    texts_[static_cast<std::size_t>(f)] = std::move(value);
    return *this;
  }
  fake_input& set_window(std::size_t index, double value) {
    if (windows_.size() <= index) windows_.resize(index + 1);
    windows_[index] = value;
    return *this;
  }
  fake_input& add_tag(std::string tag) {
    tags_.push_back(std::move(tag));
    return *this;
  }

  double number(feature f) const override { return numbers_[static_cast<std::size_t>(f)]; }
  std::string_view text(feature f) const override { return texts_[static_cast<std::size_t>(f)]; }
  double window_count(std::size_t index) const override { return windows_.at(index); }
  bool has_tag(std::string_view tag) const override {
    ++tag_queries;
    for (const auto& t : tags_) {
      if (t == tag) return true;
    }
    return false;
  }

  mutable int tag_queries = 0;

private:
  std::array<double, feature_count> numbers_{};
  std::array<std::string, feature_count> texts_;
  std::vector<double> windows_;
  std::vector<std::string> tags_;
};

/// Compiles `text` (any type) or fails the test with the compile error.
inline std::unique_ptr<compiled_rule> must_compile(const std::string& text,
                                                   std::vector<window_spec>& windows) {
  expression_error error;
  auto compiled = compile_expression(text, windows, error);
  BOOST_TEST_REQUIRE(bool(compiled),
                     "'" << text << "' failed at column " << error.column << ": " << error.message);
  return compiled;
}

inline std::unique_ptr<compiled_rule> must_compile(const std::string& text) {
  std::vector<window_spec> windows;
  return must_compile(text, windows);
}

/// The compile error of a rule (must be boolean) that is expected not to compile.
inline expression_error rule_error_of(const std::string& text) {
  std::vector<window_spec> windows;
  expression_error error;
  const auto compiled = compile_rule(text, windows, error);
  BOOST_TEST_REQUIRE(!compiled, "'" << text << "' compiled");
  return error;
}

/// Asserts the exact message and column of a rule's compile error.
inline void expect_rule_error(const std::string& text, int column, const std::string& message) {
  const expression_error e = rule_error_of(text);
  BOOST_TEST(e.message == message, "'" << text << "': message '" << e.message << "'");
  BOOST_TEST(e.column == column, "'" << text << "': column " << e.column << " != " << column
                                     << " (" << e.message << ")");
}

} // namespace cohort::config::test
