#include "cohortd_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <stdexcept>
#include <system_error>

namespace cohort::it {

namespace {

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

} // namespace

std::string cohortd_binary() { return required_env("COHORTD", "the cohortd under test"); }
std::string cohortctl_binary() {
  return required_env("COHORTCTL", "the cohortctl under test");
}

std::string default_config() {
  return "ingest: {write_keys: [test-key], dedup_window: 24h, max_body_bytes: 65536}\n";
}

cohortd_process::cohortd_process(std::string config_yaml, std::vector<std::string> extra_args)
    : dir_(std::make_unique<temp_dir>("cohort-it")), extra_args_(std::move(extra_args)) {
  write_file(config_path(), config_yaml);
  start();
}

cohortd_process::~cohortd_process() {
  if (running()) {
    try {
      stop();
    } catch (const std::exception& e) {
      // A destructor must not throw; the process was killed by stop() if it could be.
      std::fprintf(stderr, "cohortd_process: stop failed: %s\n", e.what());
    }
  }
  join_drain();
}

std::string cohortd_process::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string cohortd_process::stdout_text() const {
  std::lock_guard<std::mutex> lock(out_mutex_);
  return out_;
}

void cohortd_process::start(std::chrono::milliseconds ready_timeout) {
  if (running())
    throw std::logic_error("cohortd already running");
  join_drain();
  std::vector<std::string> argv = {cohortd_binary(), "--config", config_path(),
                                   "--listen", "127.0.0.1:0", "--data", data_dir()};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe");
  int err_fd = ::open(stderr_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (err_fd < 0)
    throw std::system_error(errno, std::generic_category(), "open " + stderr_path());
  pid_ = spawn(argv, out_pipe[1], err_fd);
  ::close(out_pipe[1]);
  ::close(err_fd);
  const int fd = out_pipe[0];

  static const std::regex ready_line(R"(^cohortd listening on https?://127\.0\.0\.1:(\d+)$)");
  const auto deadline = clock::now() + ready_timeout;
  std::string pending;  // bytes of the line being read
  std::string seen;     // all stdout so far
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    std::string failure;
    if (left.count() <= 0) {
      failure = "cohortd printed no listening line within " +
                std::to_string(ready_timeout.count()) + " ms";
    } else {
      pollfd p{fd, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(left.count()));
      if (n < 0 && errno != EINTR)
        throw std::system_error(errno, std::generic_category(), "poll");
      if (n <= 0)
        continue;
      char buf[4096];
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        failure = "cohortd closed stdout before its listening line";
      } else {
        seen.append(buf, static_cast<std::size_t>(got));
        pending.append(buf, static_cast<std::size_t>(got));
        std::size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          std::string line = pending.substr(0, nl);
          pending.erase(0, nl + 1);
          std::smatch m;
          if (std::regex_match(line, m, ready_line)) {
            port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
            {
              std::lock_guard<std::mutex> lock(out_mutex_);
              out_ += seen;
            }
            // Keep reading stdout so that a chatty server never blocks on a full pipe.
            drain_ = std::thread([this, fd] { drain_stdout(fd); });
            return;
          }
        }
        continue;
      }
    }
    ::close(fd);
    int code = stop(SIGKILL, std::chrono::seconds(10));
    throw std::runtime_error(failure + " (exit code " + std::to_string(code) + ")\nstdout:\n" +
                             tail(seen, 2000) + "\nstderr:\n" + tail(stderr_text(), 4000));
  }
}

int cohortd_process::stop(int sig, std::chrono::milliseconds timeout) {
  if (!running())
    throw std::logic_error("cohortd is not running");
  ::kill(pid_, sig);
  auto code = wait_exit(pid_, clock::now() + timeout);
  if (!code) {
    ::kill(pid_, SIGKILL);
    code = wait_exit(pid_, clock::now() + std::chrono::seconds(10));
  }
  pid_ = -1;
  last_exit_ = code.value_or(-1);
  join_drain();
  return *last_exit_;
}

void cohortd_process::drain_stdout(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    std::lock_guard<std::mutex> lock(out_mutex_);
    out_.append(buf, static_cast<std::size_t>(got));
  }
  ::close(fd);
}

void cohortd_process::join_drain() {
  // The drain thread ends at EOF, which comes when the process (and anything that
  // inherited its stdout) has exited; call only after the process is gone.
  if (drain_.joinable())
    drain_.join();
}

run_result run_cohortd(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {cohortd_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, timeout);
}

run_result run_cohortctl(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {cohortctl_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, timeout);
}

} // namespace cohort::it
