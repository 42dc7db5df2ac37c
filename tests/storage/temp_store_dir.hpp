#pragma once

// A data directory for one test: empty when it starts, removed when it ends, named per
// process so that test binaries running at once never share one.

#include <filesystem>
#include <string>

#include <unistd.h>

namespace cohort::testing {

struct temp_store_dir {
  /// /tmp/cohort-<name>-<pid>, removed if a crashed run left it.
  explicit temp_store_dir(const std::string& name)
    : path((std::filesystem::temp_directory_path()
            / ("cohort-" + name + "-" + std::to_string(::getpid())))
             .string()) {
    std::filesystem::remove_all(path);
  }
  ~temp_store_dir() { std::filesystem::remove_all(path); }
  temp_store_dir(const temp_store_dir&) = delete;
  temp_store_dir& operator=(const temp_store_dir&) = delete;

  std::string path;
};

} // namespace cohort::testing
