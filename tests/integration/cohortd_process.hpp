#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "subprocess.hpp"

namespace cohort::it {

/// Path of the binary under test: $COHORTD / $COHORTCTL (set by ctest). Throws when unset.
std::string cohortd_binary();
std::string cohortctl_binary();

/// The config every test uses unless it says otherwise: auth on with `test-key`.
std::string default_config();

/// One cohortd under test: its own temp dir holding `cohort.yaml` (written here), the data
/// directory `data/` (created by cohortd, not by the test) and `stderr.log`. The process
/// listens on 127.0.0.1:0; port() is read from its "cohortd listening on ..." line.
/// It can be stopped and started again on the same data directory.
class cohortd_process {
public:
  explicit cohortd_process(std::string config_yaml = default_config(),
                           std::vector<std::string> extra_args = {});
  ~cohortd_process();
  cohortd_process(const cohortd_process&) = delete;
  cohortd_process& operator=(const cohortd_process&) = delete;

  /// Starts the process and waits (bounded) for its listening line. Throws
  /// std::runtime_error with the captured stderr when it exits or times out first.
  void start(std::chrono::milliseconds ready_timeout = std::chrono::seconds(30));

  /// Sends `sig` and waits up to `timeout`; SIGKILL after that. Returns the exit code
  /// (128 + signal when killed by one). Throws when it was not running.
  int stop(int sig = 15 /* SIGTERM */, std::chrono::milliseconds timeout = std::chrono::seconds(15));

  bool running() const { return pid_ > 0; }
  /// Process id while running, -1 otherwise (for /proc/PID/status).
  pid_t pid() const { return pid_; }
  /// Exit code of the last stop(), if any.
  std::optional<int> last_exit_code() const { return last_exit_; }

  std::uint16_t port() const { return port_; }
  std::string base_url() const;
  const std::string& root() const { return dir_->path(); }
  std::string config_path() const { return root() + "/cohort.yaml"; }
  std::string data_dir() const { return root() + "/data"; }
  std::string stderr_path() const { return root() + "/stderr.log"; }
  std::string stderr_text() const { return read_file(stderr_path()); }
  std::string stdout_text() const;

private:
  void drain_stdout(int fd);
  void join_drain();

  std::unique_ptr<temp_dir> dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::optional<int> last_exit_;
  mutable std::mutex out_mutex_;
  std::string out_;
  std::thread drain_;
};

/// Runs cohortd with arbitrary arguments to completion (for flag/config errors).
run_result run_cohortd(const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Runs cohortctl with arbitrary arguments to completion.
run_result run_cohortctl(const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

} // namespace cohort::it
