#pragma once

#include <vector>

#include "api/console_api.hpp"

namespace cohort::runtime {

using api::console_asset;

/// Every file of runtime/console, compiled into the binary by the build
/// (cmake/embed_console.cmake), so that cohortd serves the console from any directory.
const std::vector<console_asset>& console_assets();

} // namespace cohort::runtime
