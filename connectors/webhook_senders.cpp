#include "connectors/webhook_senders.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "api/change_json.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "config/webhook_reader.hpp"
#include "connectors/webhook_actor.hpp"
#include "connectors/webhook_queue.hpp"

namespace cohort::connectors {

namespace {

const std::string& event_name(actors::change_event::kind kind) {
  return config::webhook_event_names().at(static_cast<std::size_t>(kind));
}

} // namespace

std::string webhook_body(const actors::change_event& change) {
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

bool webhook_wants(const config::webhook_config& cfg, actors::change_event::kind kind) {
  return std::find(cfg.events.begin(), cfg.events.end(), event_name(kind)) != cfg.events.end();
}

result<std::unique_ptr<webhook_senders>> webhook_senders::start(
  caf::actor_system& system, const std::vector<config::webhook_config>& hooks,
  const store_fn& store_of) {
  std::unique_ptr<webhook_senders> out{new webhook_senders};
  out->poster_ = std::make_shared<http_poster>();
  for (const auto& hook : hooks) {
    auto signer = webhook_signer::from_secret(hook.secret);
    if (!signer)
      return signer.error();
    auto url = config::split_webhook_url(hook.url);
    if (!url)
      return failure{2, "webhook URL " + hook.url + " is not http[s]://host[:port]/path"};
    post_request base;
    base.tls = url->tls;
    base.ca_file = hook.ca_file;
    base.host = url->host;
    base.port = url->port;
    base.target = url->target;
    auto status = std::make_shared<webhook_status>();
    status->url = hook.url;
    status->events = hook.events;
    auto id = webhook_queue::destination_id(hook.url);
    auto target = std::make_shared<const webhook_target>(
      webhook_target{hook, id, *signer, base, status, store_of(id), out->poster_});
    out->senders_.push_back(system.spawn(webhook_actor, target));
    out->targets_.push_back(std::move(target));
  }
  return out;
}

webhook_senders::~webhook_senders() {
  stop();
}

const config::webhook_config& webhook_senders::config(std::size_t i) const {
  return targets_.at(i)->cfg;
}

std::uint32_t webhook_senders::id(std::size_t i) const {
  return targets_.at(i)->id;
}

void webhook_senders::add(std::size_t i, std::vector<queued_ref> refs) {
  if (i < senders_.size() && !refs.empty())
    caf::anon_send(senders_[i], queued_atom::value, std::move(refs));
}

void webhook_senders::deliver() {
  for (const auto& sender : senders_)
    caf::anon_send(sender, deliver_atom::value);
}

void webhook_senders::stop() {
  for (const auto& sender : senders_)
    caf::anon_send_exit(sender, caf::exit_reason::user_shutdown);
  senders_.clear();
  if (poster_)
    poster_->stop();  // no answer may reach a sender after this
}

std::vector<std::shared_ptr<const webhook_status>> webhook_senders::statuses() const {
  std::vector<std::shared_ptr<const webhook_status>> out;
  for (const auto& target : targets_)
    out.push_back(target->status);
  return out;
}

} // namespace cohort::connectors
