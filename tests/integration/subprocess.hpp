#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cohort::it {

using clock = std::chrono::steady_clock;

/// Outcome of a finished child: its exit code, or 128 + signal number when a signal
/// ended it (as a shell reports it).
struct run_result {
  int exit_code = -1;
  bool timed_out = false;  ///< The deadline passed; the child was killed.
  std::string out;
  std::string err;
};

/// Starts `argv` (argv[0] is a path) with stdin from /dev/null, stdout and stderr on the
/// given descriptors. Throws std::runtime_error when the fork fails; an exec failure
/// shows as exit code 127 with a message on the child's stderr.
pid_t spawn(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd);

/// Waits for `pid` until `deadline`; nullopt when it is still running then.
std::optional<int> wait_exit(pid_t pid, clock::time_point deadline);

/// Runs a command to completion, capturing both streams; kills it (SIGKILL) when it
/// outlives `timeout`.
run_result run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

/// Reads the whole file; empty when it does not exist.
std::string read_file(const std::string& path);

/// Writes (replaces) a file; throws on failure.
void write_file(const std::string& path, const std::string& content);

/// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction
/// unless COHORT_KEEP_TMP is set in the environment.
class temp_dir {
public:
  explicit temp_dir(const std::string& prefix);
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

bool path_exists(const std::string& path);

/// The value of environment variable `name`, which ctest sets to `what` (a binary under
/// test, the source tree); throws std::runtime_error saying so when it is unset or empty.
std::string required_env(const char* name, const char* what);

} // namespace cohort::it
