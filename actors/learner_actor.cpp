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
  outcome_batch(learner_data& data, const learner_env& env) : data_(data), env_(env) {}

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
    if (d.at_ms < env_.now_ms() - env_.attribution_window.count())
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

  /// Trains the learned score on what this batch taught it, once its outcomes are written.
  /// True when that promoted a version.
  bool train(learned_trainer& trainer) {
    bool promoted = false;
    for (auto& e : examples_) {
      if (e.relabel)
        trainer.relabel(e.decision_id, e.example.x);
      else
        promoted |= trainer.add(e.decision_id, std::move(e.example), env_.now_ms());
    }
    return promoted;
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
  const auto served = learned.board->get()->version;
  const bool moved = served != t.current_version().version;
  if (auto written = log.commit_learned(commit, moved || !commit.versions.empty()); !written)
    return written.error();
  learned.stored_versions = t.versions().size();
  if (moved)
    learned.board->set(
      std::make_shared<const learned_score>(learned_score{t.current(), t.current_version().version}));
  return true;
}

} // namespace

caf::behavior learner_actor(caf::stateful_actor<learner_data>* self, learner_env env,
                            posteriors loaded, std::optional<learned_start> learned) {
  self->state.learned = std::move(learned);
  self->state.state = learner_state{loaded};
  self->state.committed = std::make_shared<const posteriors>(std::move(loaded));
  self->delayed_send(self, env.prune_interval, prune_atom::value);
  return {
    [=](outcome_atom, const std::vector<outcome_item>& items)
      -> caf::result<std::vector<outcome_verdict>> {
      auto& data = self->state;
      outcome_batch batch{data, env};
      std::vector<outcome_verdict> verdicts;
      verdicts.reserve(items.size());
      for (const auto& item : items) {
        auto verdict = batch.count(item);
        if (!verdict) {
          data.state.abandon_batch(*data.committed);
          return caf::make_error(caf::sec::runtime_error, verdict.error().reason);
        }
        verdicts.push_back(std::move(*verdict));
      }
      auto commit = batch.finish();
      if (commit.decisions.empty())
        return verdicts;
      if (auto written = env.log->commit(commit); !written) {
        data.state.abandon_batch(*data.committed);
        return caf::make_error(caf::sec::runtime_error, written.error().reason);
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
    },
    [=](models_atom) {
      const auto& learned = self->state.learned;
      return learned ? status_of(*learned) : learned_status{};
    },
    [=](rollback_atom) -> caf::result<learned_status> {
      auto& learned = self->state.learned;
      if (!learned)
        return learned_status{};
      auto before = learned->trainer;
      if (!learned->trainer.rollback()) {
        auto s = status_of(*learned);
        return s;
      }
      if (auto saved = save_learned(*learned, *env.log); !saved) {
        learned->trainer = std::move(before);
        return caf::make_error(caf::sec::runtime_error, saved.error().reason);
      }
      auto s = status_of(*learned);
      s.changed = true;
      return s;
    },
    [=](prune_atom) {
      const auto before = env.now_ms() - env.attribution_window.count();
      if (auto pruned = env.log->prune(before); !pruned)
        std::cerr << "cohortd: decision retention: " << pruned.error().reason << std::endl;
      self->delayed_send(self, env.prune_interval, prune_atom::value);
    },
  };
}

} // namespace cohort::actors
