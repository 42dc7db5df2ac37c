#include "mock_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>

namespace cohort::cluster::test {

namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

child_process::child_process(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int to_child[2];
  int from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0)
    throw_errno("pipe");
  if (::pipe2(from_child, O_CLOEXEC) != 0)
    throw_errno("pipe");
  pid_ = ::fork();
  if (pid_ < 0)
    throw_errno("fork");
  if (pid_ == 0) {
    // Only async-signal-safe calls after fork (the test process has threads).
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  in_ = to_child[1];
  out_ = from_child[0];
  ::signal(SIGPIPE, SIG_IGN);  // a dead child shows as a failed write
}

child_process::~child_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (in_ >= 0)
    ::close(in_);
  if (out_ >= 0)
    ::close(out_);
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto eol = buffer_.find('\n'); eol != std::string::npos) {
      auto line = buffer_.substr(0, eol);
      buffer_.erase(0, eol + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd fd{out_, POLLIN, 0};
    int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return std::nullopt;
    char chunk[1024];
    auto n = ::read(out_, chunk, sizeof chunk);
    if (n <= 0)
      return std::nullopt;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool child_process::write_line(const std::string& line) {
  std::string data = line + "\n";
  return ::write(in_, data.data(), data.size()) == static_cast<ssize_t>(data.size());
}

std::optional<int> child_process::exited() {
  if (pid_ <= 0)
    return exit_code_;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    exit_code_ = exit_code_of(status);
  }
  return exit_code_;
}

std::optional<int> child_process::stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return exit_code_;
  ::kill(pid_, signal);
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto code = exited())
      return code;
    if (clock::now() >= deadline)
      return std::nullopt;
    // Bounded polling: there is no waitpid with a timeout.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

} // namespace cohort::cluster::test
