#pragma once

#include <string_view>
#include <vector>

namespace cohort::runtime {

/// One static file of the console.
struct console_asset {
  std::string_view path;  ///< Relative to runtime/console: "index.html", "js/app.js".
  std::string_view body;
};

/// Every file of runtime/console, compiled into the binary by the build
/// (cmake/embed_console.cmake), so that cohortd serves the console from any directory.
const std::vector<console_asset>& console_assets();

} // namespace cohort::runtime
