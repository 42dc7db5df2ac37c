#include "connectors/webhook_outbox.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "api/change_json.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "config/webhook_reader.hpp"
#include "connectors/webhook_actor.hpp"

namespace cohort::connectors {

namespace {

/// Entries are handed to a sender this many at a time at startup.
constexpr std::size_t load_chunk = 10000;

const std::string& event_name(actors::change_event::kind kind) {
  return config::webhook_event_names().at(static_cast<std::size_t>(kind));
}

/// The POSTed JSON: Standard Webhooks' {type, timestamp, data} envelope, with the
/// profile and the change's number so that a receiver can order and drop repeats.
std::string body_of(const actors::change_event& change) {
  codecs::json_writer w;
  w.begin_object();
  w.key("type").value(event_name(change.type));
  w.key("timestamp").value(codecs::format_iso8601(change.at_ms));
  w.key("profileId").value(change.user_id);
  w.key("seq").value(change.seq);
  w.key("data");
  api::write_change(w, change);
  w.end_object();
  return w.take();
}

bool wants(const webhook_target& target, actors::change_event::kind kind) {
  const auto& events = target.cfg.events;
  return std::find(events.begin(), events.end(), event_name(kind)) != events.end();
}

} // namespace

result<std::shared_ptr<webhook_outbox>> webhook_outbox::start(
  caf::actor_system& system, storage::store& db, bool fsync,
  const std::vector<config::webhook_config>& hooks) {
  std::shared_ptr<webhook_outbox> out{new webhook_outbox};
  out->queue_ = std::make_shared<webhook_queue>(db, fsync);
  out->poster_ = std::make_shared<http_poster>();
  for (const auto& hook : hooks) {
    auto signer = webhook_signer::from_secret(hook.secret);
    if (!signer)
      return signer.error();
    post_request base;
    if (!split_http_url(hook.url, base))
      return failure{2, "webhook URL " + hook.url + " is not http://host:port/path"};
    auto status = std::make_shared<webhook_status>();
    status->url = hook.url;
    status->events = hook.events;
    auto id = webhook_queue::destination_id(hook.url);
    auto target = std::make_shared<const webhook_target>(
      webhook_target{hook, id, *signer, base, status, out->queue_, out->poster_});
    auto stored = out->queue_->load(id);
    if (!stored)
      return stored.error();
    auto sender = system.spawn(webhook_actor, target);
    for (std::size_t i = 0; i < stored->size(); i += load_chunk) {
      auto end = std::min(stored->size(), i + load_chunk);
      caf::anon_send(sender, queued_atom::value,
                     std::vector<queued_ref>(stored->begin() + static_cast<std::ptrdiff_t>(i),
                                             stored->begin() + static_cast<std::ptrdiff_t>(end)));
    }
    out->targets_.push_back(std::move(target));
    out->senders_.push_back(std::move(sender));
  }
  return out;
}

webhook_outbox::~webhook_outbox() {
  stop();
}

result<bool> webhook_outbox::queue(const std::vector<actors::change_event>& changes) {
  std::vector<queue_entry> entries;
  std::vector<std::vector<queued_ref>> per_target(targets_.size());
  const auto now = codecs::now_ms();
  for (const auto& change : changes) {
    std::string body;
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      if (!wants(*targets_[i], change.type))
        continue;
      if (body.empty())
        body = body_of(change);
      queued_ref ref{change.user_id, change.seq, now};
      entries.push_back({targets_[i]->id, ref, body});
      per_target[i].push_back(std::move(ref));
    }
  }
  if (entries.empty())
    return true;
  if (auto written = queue_->put(entries); !written)
    return written;
  for (std::size_t i = 0; i < senders_.size(); ++i)
    if (!per_target[i].empty())
      caf::anon_send(senders_[i], queued_atom::value, std::move(per_target[i]));
  return true;
}

void webhook_outbox::deliver() {
  for (const auto& sender : senders_)
    caf::anon_send(sender, deliver_atom::value);
}

void webhook_outbox::stop() {
  for (const auto& sender : senders_)
    caf::anon_send_exit(sender, caf::exit_reason::user_shutdown);
  senders_.clear();
  if (poster_)
    poster_->stop();  // no answer may reach a sender after this
}

std::vector<std::shared_ptr<const webhook_status>> webhook_outbox::statuses() const {
  std::vector<std::shared_ptr<const webhook_status>> out;
  for (const auto& target : targets_)
    out.push_back(target->status);
  return out;
}

} // namespace cohort::connectors
