#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace cohort::it {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

pid_t spawn(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd) {
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls are allowed (the test process has threads).
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0)
    throw_errno("open /dev/null");

  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(null_fd);
    throw_errno("fork");
  }
  if (pid == 0) {
    ::dup2(null_fd, 0);
    ::dup2(stdout_fd, 1);
    ::dup2(stderr_fd, 2);
    ::execv(args[0], args.data());
    const char msg[] = "exec failed: ";
    (void)!::write(2, msg, sizeof msg - 1);
    (void)!::write(2, args[0], std::strlen(args[0]));
    (void)!::write(2, "\n", 1);
    ::_exit(127);
  }
  ::close(null_fd);
  return pid;
}

std::optional<int> wait_exit(pid_t pid, clock::time_point deadline) {
  // Bounded polling of waitpid: there is no portable waitpid with a timeout.
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return decode_status(status);
    if (r < 0 && errno != EINTR)
      throw_errno("waitpid");
    if (clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

run_result run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw_errno("pipe");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw_errno("pipe");
  pid_t pid = spawn(argv, out_pipe[1], err_pipe[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  run_result result;
  const auto deadline = clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_streams = 2;
  while (open_streams > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR)
      throw_errno("poll");
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_streams;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0)
      ::close(f.fd);

  if (result.timed_out) {
    ::kill(pid, SIGKILL);
    result.exit_code = wait_exit(pid, clock::now() + std::chrono::seconds(10)).value_or(-1);
    return result;
  }
  auto code = wait_exit(pid, deadline + std::chrono::seconds(1));
  if (!code) {
    result.timed_out = true;
    ::kill(pid, SIGKILL);
    code = wait_exit(pid, clock::now() + std::chrono::seconds(10));
  }
  result.exit_code = code.value_or(-1);
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

temp_dir::temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr)
    throw_errno("mkdtemp " + templ);
  path_ = templ;
}

temp_dir::~temp_dir() {
  if (std::getenv("COHORT_KEEP_TMP") != nullptr)
    return;
  std::error_code ec;  // best effort: a leftover temp dir is not a test failure
  std::filesystem::remove_all(path_, ec);
}

bool path_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

std::string required_env(const char* name, const char* what) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0')
    throw std::runtime_error(std::string("environment variable ") + name + " must name " + what
                             + " (ctest sets it)");
  return v;
}

} // namespace cohort::it
