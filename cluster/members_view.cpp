#include "cluster/members_view.hpp"

#include <algorithm>

namespace cohort::cluster {

members_view::members_view(std::chrono::milliseconds timeout) : timeout_(timeout) {
}

void members_view::update(member_record report) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (report.leaving) {
    nodes_.erase(report.node_id);
    return;
  }
  auto& e = nodes_[report.node_id];
  e.heard = clock::now();
  e.report = std::move(report);
}

std::vector<member_record> members_view::alive() const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto now = clock::now();
  std::vector<member_record> out;
  for (const auto& [id, e] : nodes_)
    if (alive(e, now))
      out.push_back(e.report);
  return out;
}

std::optional<member_record> members_view::owner_of(std::int32_t partition) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto now = clock::now();
  const entry* best = nullptr;
  std::uint64_t best_epoch = 0;
  for (const auto& [id, e] : nodes_) {
    if (!alive(e, now))
      continue;
    for (const auto& p : e.report.partitions)
      if (p.partition == partition && p.state == "serving" && p.epoch >= best_epoch) {
        best = &e;
        best_epoch = p.epoch;
      }
  }
  if (best == nullptr)
    return std::nullopt;
  return best->report;
}

std::optional<member_record> members_view::sequencer() const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto now = clock::now();
  const entry* best = nullptr;
  for (const auto& [id, e] : nodes_)
    if (alive(e, now) && e.report.sequencer_epoch > 0
        && (best == nullptr || e.report.sequencer_epoch > best->report.sequencer_epoch))
      best = &e;
  if (best == nullptr)
    return std::nullopt;
  return best->report;
}

std::optional<member_record> members_view::find(const std::string& id) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = nodes_.find(id);
  if (it == nodes_.end() || !alive(it->second, clock::now()))
    return std::nullopt;
  return it->second.report;
}

std::int64_t members_view::lag() const {
  std::int64_t total = 0;
  for (const auto& node : alive())
    for (const auto& p : node.partitions)
      if (p.state == "serving")
        total += std::max<std::int64_t>(0, p.end - p.applied);
  return total;
}

} // namespace cohort::cluster
