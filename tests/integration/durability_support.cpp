#include "durability_support.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "json_doc.hpp"

namespace cohort::it {

std::optional<std::int64_t> vm_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0)
      continue;
    std::istringstream fields(line.substr(6));
    std::int64_t kib = 0;
    if (fields >> kib)
      return kib;
    return std::nullopt;
  }
  return std::nullopt;
}

peak_rss_watch::peak_rss_watch(pid_t pid, std::chrono::milliseconds period)
    : peak_kib_(vm_rss_kib(pid).value_or(0)) {
  sampler_ = std::thread([this, pid, period] {
    while (watching_.load()) {
      if (auto rss = vm_rss_kib(pid))
        peak_kib_ = std::max(peak_kib_, *rss);
      std::this_thread::sleep_for(period);  // the sampling period, not a synchronisation
    }
  });
}

peak_rss_watch::~peak_rss_watch() { stop(); }

std::int64_t peak_rss_watch::stop() {
  watching_ = false;
  if (sampler_.joinable())
    sampler_.join();
  return peak_kib_;
}

std::optional<node_counters> read_node_counters(http_client& client, std::string* error) {
  auto res = client.get("/admin/api/nodes");
  if (res.status != 200) {
    if (error != nullptr)
      *error = "GET /admin/api/nodes: " + std::to_string(res.status) + " " + res.body;
    return std::nullopt;
  }
  json_doc doc(res.body);
  auto live = doc.int_at("/nodes/0/liveActors");
  auto spawned = doc.int_at("/nodes/0/spawnedActors");
  auto passivated = doc.int_at("/nodes/0/passivatedActors");
  auto accepted = doc.int_at("/nodes/0/eventsAccepted");
  auto evicted = doc.int_at("/nodes/0/evictedActors");
  if (!live || !spawned || !passivated || !accepted || !evicted) {
    if (error != nullptr)
      *error = "GET /admin/api/nodes lacks liveActors/spawnedActors/passivatedActors/"
               "eventsAccepted/evictedActors: " + res.body;
    return std::nullopt;
  }
  return node_counters{*live, *spawned, *passivated, *accepted, *evicted};
}

void server_board::publish(std::uint16_t port) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    port_ = port;
    ++epoch_;
  }
  changed_.notify_all();
}

void server_board::down() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    port_ = 0;
    ++epoch_;
  }
  changed_.notify_all();
}

std::pair<std::uint16_t, std::uint64_t> server_board::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {port_, epoch_};
}

void server_board::wait_for_change(std::uint64_t seen, std::chrono::milliseconds at_most) const {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, at_most, [&] { return epoch_ != seen; });
}

} // namespace cohort::it
