#include "connectors/webhook_outbox.hpp"

#include <algorithm>

#include "codecs/time.hpp"
#include "connectors/webhook_queue.hpp"

namespace cohort::connectors {

namespace {

/// Entries are handed to a sender this many at a time at startup.
constexpr std::size_t load_chunk = 10000;

} // namespace

result<std::shared_ptr<webhook_outbox>> webhook_outbox::start(
  caf::actor_system& system, storage::store& db, bool fsync,
  const std::vector<config::webhook_config>& hooks) {
  std::shared_ptr<webhook_outbox> out{new webhook_outbox};
  out->queue_ = std::make_shared<webhook_queue>(db, fsync);
  auto senders = webhook_senders::start(system, hooks, [queue = out->queue_](std::uint32_t) {
    return std::static_pointer_cast<delivery_store>(queue);
  });
  if (!senders)
    return senders.error();
  out->senders_ = std::move(*senders);
  for (std::size_t i = 0; i < out->senders_->size(); ++i) {
    auto stored = out->queue_->load(out->senders_->id(i));
    if (!stored)
      return stored.error();
    for (std::size_t first = 0; first < stored->size(); first += load_chunk) {
      auto end = std::min(stored->size(), first + load_chunk);
      out->senders_->add(i, std::vector<queued_ref>(
                              stored->begin() + static_cast<std::ptrdiff_t>(first),
                              stored->begin() + static_cast<std::ptrdiff_t>(end)));
    }
  }
  return out;
}

webhook_outbox::~webhook_outbox() = default;

result<bool> webhook_outbox::queue(const std::vector<actors::change_event>& changes) {
  std::vector<queue_entry> entries;
  std::vector<std::vector<queued_ref>> per_target(senders_->size());
  const auto now = codecs::now_ms();
  for (const auto& change : changes) {
    std::string body;
    for (std::size_t i = 0; i < senders_->size(); ++i) {
      if (!webhook_wants(senders_->config(i), change.type))
        continue;
      if (body.empty())
        body = webhook_body(change);
      queued_ref ref{change.user_id, change.seq, now};
      entries.push_back({senders_->id(i), ref, body});
      per_target[i].push_back(std::move(ref));
    }
  }
  if (entries.empty())
    return true;
  if (auto written = queue_->put(entries); !written)
    return written;
  for (std::size_t i = 0; i < per_target.size(); ++i)
    senders_->add(i, std::move(per_target[i]));
  return true;
}

} // namespace cohort::connectors
