#include "connectors/webhook_actor.hpp"

#include <iostream>

#include <caf/all.hpp>

#include "codecs/time.hpp"

namespace cohort::connectors {

namespace {

using webhook_ptr = caf::stateful_actor<webhook_actor_state>*;

void dispatch(webhook_ptr self);

void publish_counts(webhook_ptr self) {
  auto& st = self->state;
  st.target->status->queued = st.index.size();
  st.target->status->in_flight = st.in_flight;
  st.target->status->breaker = static_cast<int>(st.breaker.current());
}

/// Wakes the sender at `at_ms` (a breaker's probe time or the end of a Retry-After pause).
void wake_at(webhook_ptr self, std::int64_t at_ms) {
  if (self->state.wake_pending)
    return;
  self->state.wake_pending = true;
  auto wait = std::max<std::int64_t>(1, at_ms - codecs::now_ms());
  self->delayed_send(self, std::chrono::milliseconds(wait), wake_atom::value);
}

/// The entry is finished (delivered, or given up): off the disk, the profile goes on.
void finish(webhook_ptr self, const queued_ref& ref) {
  auto& st = self->state;
  if (auto removed = st.target->store->remove(st.target->id, ref); !removed)
    st.target->status->set_error(removed.error().reason, codecs::now_ms());
  st.index.done(ref.profile);
}

void on_failure(webhook_ptr self, const queued_ref& ref, const post_result& res) {
  auto& st = self->state;
  const auto& cfg = st.target->cfg;
  const auto now = codecs::now_ms();
  ++st.target->status->failures;
  st.target->status->set_error(
    res.error.empty() ? "HTTP " + std::to_string(res.status) : res.error, now);
  st.breaker.failure(now);
  const auto attempts = st.index.failed_attempt(ref.profile);
  if (cfg.max_attempts != 0 && attempts >= cfg.max_attempts) {
    std::cerr << "cohortd: webhook " << cfg.url << ": gave up on change " << ref.seq
              << " of " << ref.profile << " after " << attempts << " attempts" << std::endl;
    ++st.target->status->abandoned;
    finish(self, ref);
    return;
  }
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  auto delay = backoff_delay(cfg.backoff_initial, cfg.backoff_max, attempts, unit(st.random));
  if (auto after = parse_retry_after(res.retry_after)) {
    delay = std::max(delay, *after);
    st.paused_until_ms = std::max(st.paused_until_ms, now + after->count());
  }
  self->delayed_send(self, delay, retry_atom::value, ref.profile);
}

void send_one(webhook_ptr self, const queued_ref& ref) {
  auto& st = self->state;
  const auto& target = *st.target;
  auto body = target.store->body(target.id, ref);
  if (!body || !*body) {
    // Gone from disk (or unreadable): nothing left to send for it.
    if (!body)
      target.status->set_error(body.error().reason, codecs::now_ms());
    st.index.done(ref.profile);
    return;
  }
  post_request req = target.base;
  const auto id = webhook_id(ref.profile, ref.seq);
  const auto timestamp = codecs::now_ms() / 1000;
  req.headers = {{"webhook-id", id},
                 {"webhook-timestamp", std::to_string(timestamp)},
                 {"webhook-signature", target.signer.sign(id, timestamp, **body)}};
  req.body = std::move(**body);
  req.timeout = target.cfg.timeout;
  ++st.in_flight;
  auto handle = caf::actor_cast<caf::actor>(self);
  target.poster->post(std::move(req), [handle, ref](post_result res) {
    caf::anon_send(handle, sent_atom::value, ref, std::move(res));
  });
}

void dispatch(webhook_ptr self) {
  auto& st = self->state;
  while (st.delivering && st.in_flight < st.target->cfg.max_in_flight) {
    const auto now = codecs::now_ms();
    if (now < st.paused_until_ms) {
      wake_at(self, st.paused_until_ms);
      break;
    }
    if (st.breaker.current() == circuit_breaker::state::open && now < st.breaker.open_until_ms()) {
      wake_at(self, st.breaker.open_until_ms());
      break;
    }
    // An idle profile only: the probe of a half-open breaker must find one to send.
    auto ref = st.index.next();
    if (!ref)
      break;
    if (!st.breaker.allow(now)) {
      st.index.release(ref->profile);
      break;
    }
    send_one(self, *ref);
  }
  publish_counts(self);
}

/// Drops the oldest entries past the bound, off the disk too.
void enforce_bound(webhook_ptr self) {
  auto& st = self->state;
  while (st.index.size() > st.target->cfg.max_queued) {
    auto dropped = st.index.drop_oldest();
    if (!dropped)
      break;
    if (auto removed = st.target->store->remove(st.target->id, *dropped); !removed)
      st.target->status->set_error(removed.error().reason, codecs::now_ms());
    ++st.target->status->dropped;
    st.target->status->set_error("queue full (max_queued " +
                                   std::to_string(st.target->cfg.max_queued) +
                                   "): dropped the oldest change",
                                 codecs::now_ms());
  }
}

} // namespace

caf::behavior webhook_actor(webhook_ptr self, std::shared_ptr<const webhook_target> target) {
  auto& st = self->state;
  st.breaker = circuit_breaker{target->cfg.breaker_failures, target->cfg.breaker_open_for};
  st.random.seed(static_cast<unsigned>(target->id ^ static_cast<std::uint32_t>(codecs::now_ms())));
  st.target = std::move(target);
  return {
    [=](queued_atom, const std::vector<queued_ref>& refs) {
      for (const auto& ref : refs)
        self->state.index.add(ref);
      enforce_bound(self);
      dispatch(self);
    },
    [=](deliver_atom) {
      self->state.delivering = true;
      dispatch(self);
    },
    [=](sent_atom, const queued_ref& ref, const post_result& res) {
      auto& s = self->state;
      --s.in_flight;
      if (res.ok()) {
        ++s.target->status->delivered;
        s.target->status->last_delivered_ms = codecs::now_ms();
        s.breaker.success();
        finish(self, ref);
      } else {
        on_failure(self, ref, res);
      }
      dispatch(self);
    },
    [=](retry_atom, const std::string& profile) {
      self->state.index.release(profile);
      dispatch(self);
    },
    [=](wake_atom) {
      self->state.wake_pending = false;
      dispatch(self);
    },
  };
}

} // namespace cohort::connectors
