#include "cli/text_table.hpp"

#include <algorithm>
#include <cctype>

namespace cohort::cli {

std::size_t display_width(const std::string& s) {
  // Continuation bytes (10xxxxxx) do not start a character.
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string compact_ranges(std::vector<std::int64_t> numbers) {
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::string out;
  for (std::size_t i = 0; i < numbers.size();) {
    auto j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1)
      ++j;
    out += (out.empty() ? "" : ",") + std::to_string(numbers[i]);
    if (j > i)
      out += "-" + std::to_string(numbers[j]);
    i = j + 1;
  }
  return out.empty() ? "-" : out;
}

text_table::text_table(std::vector<std::string> headers) : headers_(std::move(headers)) {
  for (auto& h : headers_)
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::toupper(c); });
}

text_table& text_table::right(std::size_t column) {
  right_.insert(column);
  return *this;
}

void text_table::add(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string text_table::render() const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = display_width(headers_[c]);
    for (const auto& row : rows_)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::string pad(widths[c] - display_width(cells[c]), ' ');
      if (c > 0)
        text += "  ";
      text += right_.count(c) ? pad + cells[c] : cells[c] + pad;
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + '\n';
  };
  line(headers_);
  for (const auto& row : rows_)
    line(row);
  return out;
}

} // namespace cohort::cli
