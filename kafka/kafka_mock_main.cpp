// cohort-kafka-mock: librdkafka's mock Kafka cluster as a process, with Cohort's five
// topics, for tests and demos of a cluster without a broker.
//
//   cohort-kafka-mock [--brokers 3] [--topic-prefix cohort] [--partitions 64]
//
// Prints exactly one line, "cohort-kafka-mock bootstrap 127.0.0.1:PORT,...", then runs
// until SIGINT or SIGTERM. Fault commands on stdin, one a line, each answered on stdout
// with "ok" or "error: REASON":
//   leader TOPIC PARTITION BROKER   make BROKER the partition's leader
//   down BROKER / up BROKER         take a broker off the network / back
//   rtt BROKER MS                   delay the broker's responses
// Blank lines are ignored; the end of stdin only ends the commands.

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kafka/mock_cluster.hpp"

namespace {

using namespace cohort;
using namespace cohort::kafka;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

const char* usage_text =
  "usage: cohort-kafka-mock [--brokers N] [--topic-prefix PREFIX] [--partitions P]\n"
  "  --brokers N          mock brokers, ids 1..N (default 3)\n"
  "  --topic-prefix P     topics are P.events, P.state, ... (default cohort)\n"
  "  --partitions P       partitions of events, state and changes (default 64)\n"
  "stdin commands: leader TOPIC PARTITION BROKER | down BROKER | up BROKER | rtt BROKER MS\n"
  "  | topic NAME PARTITIONS (another topic, e.g. for Kafka sources and sinks)\n";

struct settings {
  int brokers = 3;
  kafka_options kafka;
  bool help = false;
};

std::optional<int> number(const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

result<settings> parse(const std::vector<std::string>& args) {
  settings out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      out.help = true;
      continue;
    }
    if (i + 1 >= args.size())
      return failure{2, flag + " needs a value (or is unknown)"};
    const auto& value = args[++i];
    if (flag == "--topic-prefix") {
      if (value.empty())
        return failure{2, "--topic-prefix must not be empty"};
      out.kafka.topic_prefix = value;
      continue;
    }
    auto n = number(value);
    if (!n || *n < 1)
      return failure{2, flag + " needs a positive number, not '" + value + "'"};
    if (flag == "--brokers")
      out.brokers = *n;
    else if (flag == "--partitions")
      out.kafka.partitions = *n;
    else
      return failure{2, "unknown flag " + flag};
  }
  return out;
}

/// One stdin command line → its answer ("ok" / "error: ..."); nullopt for a blank line.
std::optional<std::string> run_command(mock_cluster& mock, const std::string& line) {
  std::istringstream in{line};
  std::vector<std::string> words;
  for (std::string word; in >> word;)
    words.push_back(word);
  if (words.empty())
    return std::nullopt;
  const auto& verb = words[0];
  auto arity = [&](std::size_t n, const char* form) -> std::optional<std::string> {
    if (words.size() != n + 1)
      return std::string("error: usage: ") + form;
    return std::nullopt;
  };
  auto integer = [&](std::size_t i, int& into) -> std::optional<std::string> {
    auto n = number(words[i]);
    if (!n)
      return "error: '" + words[i] + "' is not a number";
    into = *n;
    return std::nullopt;
  };
  result<bool> done = failure{400, ""};
  if (verb == "leader") {
    int partition = 0, broker = 0;
    if (auto bad = arity(3, "leader TOPIC PARTITION BROKER"))
      return bad;
    if (auto bad = integer(2, partition))
      return bad;
    if (auto bad = integer(3, broker))
      return bad;
    done = mock.set_partition_leader(words[1], partition, broker);
  } else if (verb == "down" || verb == "up") {
    int broker = 0;
    if (auto bad = arity(1, verb == "down" ? "down BROKER" : "up BROKER"))
      return bad;
    if (auto bad = integer(1, broker))
      return bad;
    done = verb == "down" ? mock.set_broker_down(broker) : mock.set_broker_up(broker);
  } else if (verb == "rtt") {
    int broker = 0, ms = 0;
    if (auto bad = arity(2, "rtt BROKER MS"))
      return bad;
    if (auto bad = integer(1, broker))
      return bad;
    if (auto bad = integer(2, ms))
      return bad;
    done = mock.set_rtt(broker, ms);
  } else if (verb == "topic") {
    int partitions = 0;
    if (auto bad = arity(2, "topic NAME PARTITIONS"))
      return bad;
    if (auto bad = integer(2, partitions))
      return bad;
    done = mock.create_topic(words[1], partitions, 1);
  } else {
    return "error: unknown command '" + verb + "' (leader, down, up, rtt, topic)";
  }
  if (!done)
    return "error: " + done.error().reason;
  return std::string("ok");
}

/// A file descriptor closed on destruction.
class unique_fd {
public:
  explicit unique_fd(int fd = -1) : fd_(fd) {}
  ~unique_fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

/// Reads commands from stdin on its own thread until stdin ends or stop() is called
/// (a pipe wakes its poll(), so a blocked read never holds up the exit).
class command_reader {
public:
  explicit command_reader(mock_cluster& mock) : mock_(mock) {
    int fds[2];
    if (::pipe(fds) == 0) {
      wake_read_ = std::make_unique<unique_fd>(fds[0]);
      wake_write_ = std::make_unique<unique_fd>(fds[1]);
    }
    thread_ = std::thread([this] { run(); });
  }
  ~command_reader() { stop(); }
  command_reader(const command_reader&) = delete;
  command_reader& operator=(const command_reader&) = delete;

  void stop() {
    if (!thread_.joinable())
      return;
    if (wake_write_)
      (void)!::write(wake_write_->get(), "x", 1);
    thread_.join();
  }

private:
  void run() {
    std::string pending;
    char buffer[4096];
    for (;;) {
      pollfd fds[2] = {{0, POLLIN, 0}, {wake_read_ ? wake_read_->get() : -1, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR)
          continue;
        return;
      }
      if (fds[1].revents != 0)
        return;
      if (fds[0].revents == 0)
        continue;
      auto n = ::read(0, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;  // stdin ended: no more commands; the cluster keeps running
      pending.append(buffer, static_cast<std::size_t>(n));
      for (auto eol = pending.find('\n'); eol != std::string::npos; eol = pending.find('\n')) {
        auto line = pending.substr(0, eol);
        pending.erase(0, eol + 1);
        if (auto answer = run_command(mock_, line))
          std::cout << *answer << std::endl;
      }
    }
  }

  mock_cluster& mock_;
  std::unique_ptr<unique_fd> wake_read_;
  std::unique_ptr<unique_fd> wake_write_;
  std::thread thread_;
};

} // namespace

int main(int argc, char** argv) {
  auto parsed = parse({argv + 1, argv + argc});
  if (!parsed) {
    std::cerr << "cohort-kafka-mock: " << parsed.error().reason << '\n' << usage_text;
    return exit_usage;
  }
  if (parsed->help) {
    std::cout << usage_text;
    return 0;
  }
  // SIGINT and SIGTERM are taken by sigwait below, so they are blocked before librdkafka
  // starts its threads (which inherit the mask). A closed stdout must not kill us.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto mock = mock_cluster::create(parsed->brokers);
  if (!mock) {
    std::cerr << "cohort-kafka-mock: " << mock.error().reason << '\n';
    return exit_failure;
  }
  if (auto created = (*mock)->create_cluster_topics(parsed->kafka); !created) {
    std::cerr << "cohort-kafka-mock: " << created.error().reason << '\n';
    return exit_failure;
  }
  std::cout << "cohort-kafka-mock bootstrap " << (*mock)->bootstrap() << std::endl;

  command_reader commands{**mock};
  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  std::cerr << "cohort-kafka-mock: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n";
  commands.stop();
  return 0;
}
