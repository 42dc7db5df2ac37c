#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace cohort::cli {

/// A plain-text table for cohortctl: upper-case headers, columns padded to their widest
/// cell (counted in UTF-8 characters) and separated by two spaces; columns marked
/// right() are right-aligned (numbers).
class text_table {
public:
  explicit text_table(std::vector<std::string> headers);

  /// Right-aligns `column` (0-based).
  text_table& right(std::size_t column);

  /// Appends a row; missing cells are empty, extra cells are dropped.
  void add(std::vector<std::string> cells);

  std::size_t rows() const { return rows_.size(); }

  /// The table with a trailing newline; no trailing spaces on any line.
  std::string render() const;

private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::set<std::size_t> right_;
};

/// Characters (UTF-8 code points) in `s`.
std::size_t display_width(const std::string& s);

/// Numbers as sorted runs: {6, 0, 1, 2, 3} -> "0-3,6"; duplicates count once; "-" when empty.
std::string compact_ranges(std::vector<std::int64_t> numbers);

} // namespace cohort::cli
