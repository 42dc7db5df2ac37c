#pragma once

// Shared by the config tests: load inline YAML and look errors up by key.

#include <string>

#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"

namespace cohort::config::test {

inline load_result load(const std::string& yaml) { return load_text(yaml, "test.yaml"); }

/// Every error, one per line, for failure messages.
inline std::string dump(const load_result& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string("test.yaml") + "\n";
  return out;
}

inline const config_error* error_for(const load_result& r, const std::string& key) {
  for (const auto& e : r.errors) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

/// Asserts that an error names `key` at `line` (and `column` when not 0) and that its
/// message contains `fragment`.
inline void expect_error(const load_result& r, const std::string& key, int line, int column = 0,
                         const std::string& fragment = "") {
  const config_error* e = error_for(r, key);
  BOOST_TEST_REQUIRE(e != nullptr, "no error for key '" << key << "'; got:\n" << dump(r));
  BOOST_TEST(e->line == line, key << ": line " << e->line << " != " << line << "\n" << dump(r));
  if (column != 0) {
    BOOST_TEST(e->column == column, key << ": column " << e->column << " != " << column);
  }
  if (!fragment.empty()) {
    BOOST_TEST(e->message.find(fragment) != std::string::npos,
               key << ": message '" << e->message << "' lacks '" << fragment << "'");
  }
}

} // namespace cohort::config::test
