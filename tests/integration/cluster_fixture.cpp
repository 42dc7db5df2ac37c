#include "cluster_fixture.hpp"

#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <random>
#include <stdexcept>

#include <boost/test/unit_test.hpp>

#include "../cluster/mock_process.hpp"
#include "messages.hpp"
#include "test_support.hpp"

namespace cohort::it {

namespace {

constexpr auto mock_ready = std::chrono::seconds(15);
constexpr auto request_timeout = std::chrono::seconds(5);
/// Pause between attempts of a batch nobody acknowledged (a node down, a partition
/// moving): pacing of the generator, not synchronization.
constexpr auto retry_pause = std::chrono::milliseconds(100);
constexpr auto drain_deadline = std::chrono::seconds(90);

std::string unique_prefix() {
  static std::atomic<int> n{0};
  return "it" + std::to_string(::getpid()) + "x" + std::to_string(n++);
}

std::string tail(const std::string& text, std::size_t n) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

} // namespace

std::string kafka_mock_binary() { return required_env("COHORT_KAFKA_MOCK", "cohort-kafka-mock"); }

cluster_fixture::cluster_fixture(int nodes, int partitions)
  : partitions_(partitions), prefix_(unique_prefix()) {
  mock_ = std::make_unique<cluster::test::child_process>(std::vector<std::string>{
    kafka_mock_binary(), "--brokers", "3", "--topic-prefix", prefix_, "--partitions",
    std::to_string(partitions)});
  auto line = mock_->read_line(mock_ready);
  const std::string marker = "cohort-kafka-mock bootstrap ";
  if (!line || line->rfind(marker, 0) != 0)
    throw std::runtime_error("cohort-kafka-mock printed no bootstrap line: " + line.value_or("(none)"));
  bootstrap_ = line->substr(marker.size());
  for (int i = 0; i < nodes; ++i)
    add_node();
}

cluster_fixture::~cluster_fixture() {
  // A dead broker fails every node's Kafka calls; say so first, or the failure reads as
  // cohortd's ("batch never acknowledged").
  const auto broker_exit = mock_->exited();
  if (broker_exit)
    BOOST_ERROR("cohort-kafka-mock died during the test with exit status "
                << *broker_exit << ": its last words are in the stderr above (librdkafka's mock)");
  if (current_test_failed())
    dump();
  for (auto& n : nodes_) {
    try {
      // Without a broker a graceful leave cannot finish: do not wait for it.
      if (n->running())
        n->stop(broker_exit ? SIGKILL : SIGTERM, std::chrono::seconds(40));
    } catch (const std::exception& e) {
      std::cerr << "a node could not be stopped: " << e.what() << "\n";
    }
  }
  mock_->stop(SIGTERM, std::chrono::seconds(10));
}

std::string cluster_fixture::config() const {
  return "ingest: {write_keys: [test-key], dedup_window: 24h, checkpoint_interval: 2s}\n"
         "cluster: {kafka: {topic_prefix: " + prefix_ + ", partitions: " +
         std::to_string(partitions_) + ", session_timeout: 6s}}\n" + extra_config_;
}

std::size_t cluster_fixture::add_node() {
  auto id = node_id(nodes_.size());
  nodes_.push_back(std::make_unique<cohortd_process>(
    config(), std::vector<std::string>{"--node-id", id, "--kafka", bootstrap_,
                                       "--cluster-listen", "127.0.0.1:0"}));
  return nodes_.size() - 1;
}

std::vector<std::size_t> cluster_fixture::running() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i]->running())
      out.push_back(i);
  return out;
}

void cluster_fixture::kill(std::size_t i) { nodes_.at(i)->stop(SIGKILL, std::chrono::seconds(10)); }
void cluster_fixture::stop(std::size_t i) { nodes_.at(i)->stop(SIGTERM, std::chrono::seconds(40)); }
void cluster_fixture::freeze(std::size_t i) { ::kill(nodes_.at(i)->pid(), SIGSTOP); }
void cluster_fixture::thaw(std::size_t i) { ::kill(nodes_.at(i)->pid(), SIGCONT); }
void cluster_fixture::restart(std::size_t i) { nodes_.at(i)->start(); }

void cluster_fixture::broker(const std::string& command) {
  if (!mock_->write_line(command))
    throw std::runtime_error("cohort-kafka-mock does not take commands");
  auto answer = mock_->read_line(std::chrono::seconds(10));
  if (answer != std::optional<std::string>("ok"))
    throw std::runtime_error("cohort-kafka-mock: '" + command + "' -> " + answer.value_or("(none)"));
}

bool cluster_fixture::all_serving(std::size_t nodes, std::chrono::milliseconds timeout) {
  std::set<std::string> live;
  for (auto i : running())
    live.insert(node_id(i));
  return eventually(
    [&] {
      auto r = running();
      if (r.empty())
        return false;
      try {
        http_client c("127.0.0.1", node(r.front()).port(), request_timeout);
        auto res = c.get("/admin/api/nodes");
        if (res.status != 200)
          return false;
        json_doc doc(res.body);
        std::set<std::string> reported;
        std::map<std::int64_t, int> owners;
        std::map<std::string, int> served;
        for (auto n : doc.items("/nodes")) {
          auto id = string_field(n, "id").value_or("");
          reported.insert(id);
          for (auto p : n["partitions"].get_array())
            if (string_field(p, "state") == std::optional<std::string>("serving")) {
              ++owners[int_field(p, "partition").value_or(-1)];
              ++served[id];
            }
        }
        if (reported != live || reported.size() != nodes)
          return false;
        for (int p = 0; p < partitions_; ++p)
          if (owners[p] != 1)
            return false;
        // A node that heartbeats but has no share yet has not joined the groups: it would
        // join in the middle of the test and rebalance them all (the identity log's too).
        if (partitions_ >= static_cast<int>(nodes))
          for (const auto& id : reported)
            if (served[id] == 0)
              return false;
        return true;
      } catch (const std::exception&) {
        return false;
      }
    },
    timeout);
}

std::string cluster_fixture::owner_of_partition(std::int32_t partition, std::size_t asker) {
  http_client c("127.0.0.1", node(asker).port(), request_timeout);
  json_doc doc(c.get("/admin/api/nodes").body);
  for (auto n : doc.items("/nodes"))
    for (auto p : n["partitions"].get_array())
      if (int_field(p, "partition") == std::optional<std::int64_t>(partition)
          && string_field(p, "state") == std::optional<std::string>("serving"))
        return string_field(n, "id").value_or("");
  return "";
}

void cluster_fixture::dump() const {
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    std::cerr << "---- " << node_id(i) << " stderr (" << nodes_[i]->stderr_path() << "):\n"
              << tail(nodes_[i]->stderr_text(), 3000) << "\n";
}

traffic::traffic(cluster_fixture& cluster, std::string prefix, int users, int batch)
  : cluster_(cluster), prefix_(std::move(prefix)), users_(users), batch_(batch) {
  for (std::size_t w = 0; w < 2; ++w)
    workers_.emplace_back([this, w] { run(w); });
}

traffic::~traffic() {
  stop();
}

void traffic::stop() {
  stopping_ = true;
  for (auto& t : workers_)
    if (t.joinable())
      t.join();
}

void traffic::run(std::size_t worker) {
  std::mt19937 rng{static_cast<std::uint32_t>(worker * 7919 + 17)};
  std::uniform_int_distribution<int> pick{0, users_ - 1};
  std::uint64_t seq = 0;
  std::size_t next_node = worker;
  std::map<std::size_t, std::unique_ptr<http_client>> clients;
  while (!stopping_) {
    std::vector<std::string> messages, users, ids;
    for (int i = 0; i < batch_; ++i) {
      auto user = prefix_ + std::to_string(pick(rng));
      auto id = prefix_ + "-w" + std::to_string(worker) + "-" + std::to_string(++seq);
      messages.push_back(track_msg(user, i % 3 == 0 ? "Product Added" : "Product Viewed", id));
      users.push_back(user);
      ids.push_back(id);
    }
    auto body = batch_of(messages);
    // Retried until a node acknowledges it: the same messageIds, so it applies once.
    const auto give_up = std::chrono::steady_clock::now() + drain_deadline;
    bool acked = false;
    while (!acked && std::chrono::steady_clock::now() < give_up) {
      auto live = cluster_.running();
      if (live.empty())
        break;
      auto i = live[next_node++ % live.size()];
      try {
        auto& client = clients[i];
        if (!client || client->connections_opened() == 0)
          client = std::make_unique<http_client>("127.0.0.1", cluster_.node(i).port(),
                                                 request_timeout);
        auto res = post_json(*client, "/v1/batch", body, "test-key");
        acked = res.status == 200;
      } catch (const std::exception&) {
        clients.erase(i);  // a node killed, stopped or frozen: the next one
      }
      if (!acked)
        std::this_thread::sleep_for(retry_pause);
    }
    if (!acked)
      continue;  // never acknowledged: not counted (it may or may not have been applied)
    std::lock_guard<std::mutex> guard{mutex_};
    for (std::size_t k = 0; k < ids.size(); ++k)
      acked_[users[k]].insert(ids[k]);
    total_ += ids.size();
  }
}

std::map<std::string, std::size_t> traffic::acknowledged() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::map<std::string, std::size_t> out;
  for (const auto& [user, ids] : acked_)
    out[user] = ids.size();
  return out;
}

std::uint64_t traffic::total_acknowledged() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return total_;
}

double traffic::rate() const {
  auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return s > 0 ? static_cast<double>(total_acknowledged()) / s : 0;
}

http_response get_retrying(cluster_fixture& cluster, std::size_t i, const std::string& target,
                           std::chrono::milliseconds deadline) {
  http_response last;
  eventually(
    [&] {
      try {
        http_client c("127.0.0.1", cluster.node(i).port(), request_timeout);
        last = c.get(target);
        return last.status != 503;
      } catch (const std::exception& e) {
        last = http_response{0, e.what(), {}, {}};
        return false;
      }
    },
    deadline);
  return last;
}

std::vector<std::string> mismatches(cluster_fixture& cluster, std::size_t i,
                                    const std::map<std::string, std::size_t>& expected) {
  std::vector<std::string> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  http_client c("127.0.0.1", cluster.node(i).port(), std::chrono::seconds(10));
  for (const auto& [user, want] : expected) {
    std::int64_t got = -1;
    std::string body;
    // Applying is asynchronous after the acknowledgement: poll until it shows, or is
    // more than acknowledged (a duplicate applied), or the shared deadline passes.
    for (;;) {
      http_response res;
      try {
        res = c.get("/v1/profiles/" + user);
      } catch (const std::exception& e) {
        res = http_response{0, e.what(), {}, {}};
      }
      body = res.body;
      got = res.status == 200 ? json_doc(res.body).int_at("/events").value_or(-1)
                              : res.status == 404 ? 0 : -1;
      if (got >= static_cast<std::int64_t>(want) || std::chrono::steady_clock::now() >= deadline)
        break;
      std::this_thread::sleep_for(poll_interval);
    }
    if (got != static_cast<std::int64_t>(want))
      out.push_back(user + ": want " + std::to_string(want) + ", got " + std::to_string(got)
                    + " (" + tail(body, 200) + ")");
  }
  return out;
}

} // namespace cohort::it
