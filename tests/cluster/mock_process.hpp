#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cohort::cluster::test {

/// A child process with pipes on its stdin and stdout (stderr is inherited), for
/// cohort-kafka-mock. The destructor kills (SIGKILL) and reaps a child still running.
class child_process {
public:
  /// Starts `argv` (argv[0] is a path). Throws std::system_error when it cannot.
  explicit child_process(const std::vector<std::string>& argv);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The next stdout line (without '\n'); nullopt at `timeout` or at the end of stdout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  /// Writes `line` and '\n' to the child's stdin.
  bool write_line(const std::string& line);
  /// Sends `signal`, then waits for the exit until `timeout`: the exit code (128 +
  /// signal when a signal ended it), or nullopt when it is still running.
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout);
  /// The exit code (as stop() gives it) if the child has ended on its own; nullopt while
  /// it runs. Does not wait.
  std::optional<int> exited();

private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;  ///< once reaped
  int in_ = -1;   ///< the child's stdin, our end
  int out_ = -1;  ///< the child's stdout, our end
  std::string buffer_;
};

} // namespace cohort::cluster::test
