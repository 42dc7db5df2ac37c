#include "actors/learner_actor.hpp"

#include <algorithm>
#include <array>
#include <iostream>
#include <set>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace cohort::actors {

namespace {

/// Resolves and counts one request's outcomes into `commit`; a store read failure stops
/// the whole request (returned as the failure).
class outcome_batch {
public:
  /// `now_ms`: the time the attribution window is judged at.
  outcome_batch(learner_data& data, const learner_env& env, std::int64_t now_ms)
    : data_(data), env_(env), now_ms_(now_ms) {}

  result<outcome_verdict> count(const outcome_item& item) {
    auto id = decision_of(item);
    if (!id)
      return id.error();
    if (id->empty())
      return outcome_verdict{outcome_verdict::unknown, "",
                             "no decision is kept for userId '" + item.user_id
                               + "' at placement '" + item.placement + "'"};
    auto decision = record(*id);
    if (!decision)
      return decision.error();
    if (*decision == nullptr)
      return outcome_verdict{outcome_verdict::unknown, "",
                             "unknown decisionId '" + *id
                               + "' (never made, or pruned after outcomes.attribution_window)"};
    const auto& d = **decision;
    if (d.at_ms < now_ms_ - env_.attribution_window.count())
      return outcome_verdict{outcome_verdict::unknown, "",
                             "decisionId '" + *id
                               + "' is older than outcomes.attribution_window"};
    if (!item.message_id.empty()) {
      auto seen = message_seen(item.message_id);
      if (!seen)
        return seen.error();
      if (*seen)
        return outcome_verdict{outcome_verdict::duplicate, *id,
                               "messageId '" + item.message_id + "' was counted before"};
    }
    auto counted = outcomes_of(*id);
    if (!counted)
      return counted.error();
    auto& entry = **counted;
    const auto kind = *outcome_kind_of(item.outcome);
    const auto before = entry.counted;
    if (!data_.state.apply(d, kind, entry.counted))
      return outcome_verdict{outcome_verdict::duplicate, *id,
                             "decisionId '" + *id + "' already has a " + item.outcome};
    if (!item.message_id.empty()) {
      entry.message_ids.push_back(item.message_id);
      messages_.insert(item.message_id);
    }
    changed_.insert(*id);
    if (data_.learned)
      note_example(d, kind, before);
    return outcome_verdict{outcome_verdict::counted, *id, ""};
  }

  /// Trains the learned score on what this batch taught it, once its outcomes are written
  /// (save_learned() then writes and publishes what that promoted).
  void train(learned_trainer& trainer) {
    for (auto& e : examples_) {
      if (e.relabel)
        trainer.relabel(e.decision_id, e.example.x);
      else
        trainer.add(e.decision_id, std::move(e.example), now_ms_);
    }
  }

  /// What to write: the changed decisions and arms, at the new version.
  outcome_commit finish() {
    outcome_commit c;
    for (const auto& id : changed_)
      c.decisions.emplace(id, outcomes_.at(id));
    c.arms = data_.state.finish_batch();
    c.version = data_.state.current().version;
    return c;
  }

private:
  /// An example for the learned score, or (relabel) a reward for one taken before.
  struct pending_example {
    std::string decision_id;
    labeled_example example;
    bool relabel = false;
  };

  /// A decision's first outcome is its example, labeled 1 when it is the placement's
  /// reward; a reward arriving after another outcome turns that example's 0 into a 1.
  void note_example(const decision_record& d, outcome_kind kind, std::uint8_t before) {
    const auto reward = reward_of(d.placement);
    const bool rewarded = kind == reward;
    const bool reward_seen = (before & static_cast<std::uint8_t>(reward)) != 0;
    if (before != 0 && (!rewarded || reward_seen))
      return;
    std::array<double, config::feature_count> slots{};  // an unknown user: all zero
    std::copy_n(d.features.begin(), std::min(d.features.size(), slots.size()), slots.begin());
    auto x = data_.learned->trainer.current().normalize(slots.data());
    examples_.push_back({d.id, {std::move(x), rewarded ? 1.0 : 0.0}, before != 0});
  }

  outcome_kind reward_of(const std::string& placement) const {
    const auto model = env_.model->get();
    auto it = model->placements.find(placement);
    const bool click = it != model->placements.end() && it->second.reward == "click";
    return click ? outcome_kind::click : outcome_kind::conversion;
  }

  /// The decision id an item names; "" when its user and placement have none.
  result<std::string> decision_of(const outcome_item& item) {
    if (!item.decision_id.empty())
      return item.decision_id;
    auto latest = env_.log->latest(item.user_id, item.placement);
    if (!latest)
      return latest.error();
    return latest->value_or("");
  }

  result<const decision_record*> record(const std::string& id) {
    if (auto it = records_.find(id); it != records_.end())
      return &it->second;
    auto found = env_.log->find(id);
    if (!found)
      return found.error();
    if (!*found)
      return static_cast<const decision_record*>(nullptr);
    return &records_.emplace(id, std::move(**found)).first->second;
  }

  result<bool> message_seen(const std::string& message_id) {
    if (messages_.count(message_id) != 0)
      return true;
    auto seen = env_.log->message(message_id);
    if (!seen)
      return seen.error();
    return seen->has_value();
  }

  result<decision_outcomes*> outcomes_of(const std::string& id) {
    if (auto it = outcomes_.find(id); it != outcomes_.end())
      return &it->second;
    auto stored = env_.log->outcomes_of(id);
    if (!stored)
      return stored.error();
    return &outcomes_.emplace(id, std::move(*stored)).first->second;
  }

  learner_data& data_;
  const learner_env& env_;
  std::int64_t now_ms_;
  std::map<std::string, decision_record> records_;
  std::map<std::string, decision_outcomes> outcomes_;
  std::set<std::string> messages_;
  std::set<std::string> changed_;
  std::vector<pending_example> examples_;
};

/// The learned score's state as the models endpoint shows it.
learned_status status_of(const learned_start& learned) {
  const auto& t = learned.trainer;
  learned_status s;
  s.learning = true;
  for (const auto& in : t.current().inputs())
    s.inputs.push_back(in.name);
  s.versions = t.versions();
  s.current = t.current_version().version;
  s.candidate_weights = t.candidate().weights();
  s.candidate_bias = t.candidate().bias();
  s.held_out = t.held_out_examples();
  s.current_loss = t.holdout_log_loss(t.current());
  s.candidate_loss = t.holdout_log_loss(t.candidate());
  return s;
}

/// Writes the trainer's progress (the new versions and its head): synced when the current
/// version changed, which is then published, so a decision never reports a version a
/// crash could take back.
result<bool> save_learned(learned_start& learned, decision_log& log) {
  const auto& t = learned.trainer;
  learned_commit commit;
  commit.versions.assign(t.versions().begin() + static_cast<std::ptrdiff_t>(learned.stored_versions),
                         t.versions().end());
  commit.head = t.head();
  commit.held_out = t.unsaved_held_out();
  commit.held_out_from = t.held_out_from();
  const auto served = learned.board->get()->version;
  const bool moved = served != t.current_version().version;
  if (auto written = log.commit_learned(commit, moved || !commit.versions.empty()); !written)
    return written.error();
  learned.stored_versions = t.versions().size();
  learned.trainer.mark_saved();
  if (moved)
    learned.board->set(
      std::make_shared<const learned_score>(learned_score{t.current(), t.current_version().version}));
  return true;
}

/// Counts one request's outcomes at `now_ms` (see learner_actor); a store failure
/// changes nothing and is returned.
result<std::vector<outcome_verdict>> apply_outcomes(learner_data& data, const learner_env& env,
                                                    const std::vector<outcome_item>& items,
                                                    std::int64_t now_ms) {
  outcome_batch batch{data, env, now_ms};
  std::vector<outcome_verdict> verdicts;
  verdicts.reserve(items.size());
  for (const auto& item : items) {
    auto verdict = batch.count(item);
    if (!verdict) {
      data.state.abandon_batch(*data.committed);
      return verdict.error();
    }
    verdicts.push_back(std::move(*verdict));
  }
  auto commit = batch.finish();
  if (commit.decisions.empty())
    return verdicts;
  if (auto written = env.log->commit(commit); !written) {
    data.state.abandon_batch(*data.committed);
    return written.error();
  }
  data.committed = std::make_shared<const posteriors>(data.state.current());
  env.board->set(data.committed);
  if (data.learned) {
    batch.train(data.learned->trainer);
    if (auto saved = save_learned(*data.learned, *env.log); !saved)
      std::cerr << "cohortd: learned score not saved (retried with the next outcomes): "
                << saved.error().reason << std::endl;
  }
  return verdicts;
}

/// Makes the learned score's previous version current, durably; nothing changes when
/// there is none, when `from` (a cluster's rollback record) is no longer the current
/// version (`changed` false, the reason in `refused`), or when the write fails (the error).
result<learned_status> apply_rollback(learner_data& data, const learner_env& env,
                                      std::optional<std::uint64_t> from) {
  auto& learned = data.learned;
  if (!learned)
    return learned_status{};
  const auto current = learned->trainer.current_version().version;
  if (from && *from != current) {
    auto s = status_of(*learned);
    s.refused = "version " + std::to_string(current) + " was current when the rollback of version "
                + std::to_string(*from) + " was applied: nothing was rolled back";
    return s;
  }
  auto before = learned->trainer;
  if (!learned->trainer.rollback()) {
    auto s = status_of(*learned);
    s.refused = "version " + std::to_string(current) + " is the first: there is no earlier version";
    return s;
  }
  if (auto saved = save_learned(*learned, *env.log); !saved) {
    learned->trainer = std::move(before);
    return saved.error();
  }
  auto s = status_of(*learned);
  s.changed = true;
  return s;
}

/// A request's answer as a handler result: the value, or the failure as an error.
template <class T>
caf::result<T> answer(result<T> r) {
  if (!r)
    return caf::make_error(caf::sec::runtime_error, r.error().reason);
  return std::move(*r);
}

/// How long a node waits for its own record to come back through the feedback log.
constexpr auto feedback_wait = std::chrono::seconds(60);

/// Cluster mode: appends `record` to the feedback log and answers the request once this
/// node's learner applied it (or its append failed, or it did not come back in time).
caf::response_promise submit(caf::stateful_actor<learner_data>* self, const learner_env& env,
                             feedback_record record) {
  auto& data = self->state;
  record.request = env.node_id + "/" + std::to_string(data.started_ms) + "/"
                   + std::to_string(++data.requests);
  record.at_ms = env.now_ms();
  auto promise = self->make_response_promise();
  data.waiting.emplace(record.request, promise);
  auto me = caf::actor_cast<caf::actor>(self);
  env.write_feedback(encode(record), [me, request = record.request](result<std::int64_t> at) {
    if (!at)
      caf::anon_send(me, unheard_atom::value, request, "not appended to the feedback log: "
                                                         + at.error().reason);
  });
  self->delayed_send(self, feedback_wait, unheard_atom::value, record.request,
                     std::string("not applied from the feedback log in time"));
  return promise;
}

/// Answers the request `id` of this node, if it waits, with `reply`.
template <class T>
void settle(learner_data& data, const std::string& id, const result<T>& reply) {
  auto it = data.waiting.find(id);
  if (it == data.waiting.end())
    return;
  if (reply)
    it->second.deliver(*reply);
  else
    it->second.deliver(caf::make_error(caf::sec::runtime_error, reply.error().reason));
  data.waiting.erase(it);
}

/// Applies one record of the feedback log in order (cluster mode). A store failure is
/// returned, and the caller applies the record again: a decision is written again, and
/// outcomes already counted are duplicates then, so nothing counts twice.
result<bool> apply_record(learner_data& data, const learner_env& env, const feedback_record& r) {
  using kind = feedback_record::kind;
  data.log_ms = std::max(data.log_ms, r.what == kind::decision ? r.decision.at_ms : r.at_ms);
  switch (r.what) {
    case kind::decision:
      return env.log->record(r.decision);
    case kind::outcomes: {
      auto verdicts = apply_outcomes(data, env, r.items, data.log_ms);
      if (!verdicts)
        return verdicts.error();
      settle(data, r.request, verdicts);
      return true;
    }
    case kind::rollback: {
      auto status = apply_rollback(data, env, r.from_version);
      if (!status)
        return status.error();
      settle(data, r.request, status);
      return true;
    }
  }
  return failure{400, "feedback record of unknown kind"};
}

} // namespace

caf::behavior learner_actor(caf::stateful_actor<learner_data>* self, learner_env env,
                            posteriors loaded, std::optional<learned_start> learned) {
  self->state.learned = std::move(learned);
  self->state.state = learner_state{loaded};
  self->state.committed = std::make_shared<const posteriors>(std::move(loaded));
  self->state.started_ms = env.now_ms();
  self->state.log_ms = env.position.log_ms;
  self->delayed_send(self, env.prune_interval, prune_atom::value);
  const bool clustered = static_cast<bool>(env.write_feedback);
  return {
    [=](outcome_atom,
        std::vector<outcome_item>& items) -> caf::result<std::vector<outcome_verdict>> {
      if (clustered)
        return submit(self, env, {feedback_record::kind::outcomes, {}, {}, std::move(items), 0});
      return answer(apply_outcomes(self->state, env, items, env.now_ms()));
    },
    [=](models_atom) {
      const auto& learned = self->state.learned;
      return learned ? status_of(*learned) : learned_status{};
    },
    [=](rollback_atom) -> caf::result<learned_status> {
      const auto& learned = self->state.learned;
      if (!clustered || !learned)
        return answer(apply_rollback(self->state, env, std::nullopt));
      return submit(self, env, {feedback_record::kind::rollback, {}, {}, {}, 0,
                                learned->trainer.current_version().version});
    },
    [=](feedback_atom, const std::vector<feedback_record>& records,
        std::int64_t next_offset) -> caf::result<bool> {
      auto& data = self->state;
      for (const auto& r : records)
        if (auto applied = apply_record(data, env, r); !applied)
          return caf::make_error(caf::sec::runtime_error, applied.error().reason);
      return answer(env.log->advance({next_offset, data.log_ms}));
    },
    [=](unheard_atom, const std::string& request, const std::string& reason) {
      settle(self->state, request, result<bool>{failure{503, reason}});
    },
    [=](prune_atom) {
      // A cluster judges by the log's clock, so every node prunes the same decisions
      // before any record that could still name them.
      const auto now = clustered ? self->state.log_ms : env.now_ms();
      const auto before = now - env.attribution_window.count();
      if (auto pruned = env.log->prune(before); !pruned)
        std::cerr << "cohortd: decision retention: " << pruned.error().reason << std::endl;
      self->delayed_send(self, env.prune_interval, prune_atom::value);
    },
  };
}

} // namespace cohort::actors
