#include "actors/learner_actor.hpp"

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
    if (!data_.state.apply(d, *outcome_kind_of(item.outcome), entry.counted))
      return outcome_verdict{outcome_verdict::duplicate, *id,
                             "decisionId '" + *id + "' already has a " + item.outcome};
    if (!item.message_id.empty()) {
      entry.message_ids.push_back(item.message_id);
      messages_.insert(item.message_id);
    }
    changed_.insert(*id);
    return outcome_verdict{outcome_verdict::counted, *id, ""};
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
};

} // namespace

caf::behavior learner_actor(caf::stateful_actor<learner_data>* self, learner_env env,
                            posteriors loaded) {
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
      return verdicts;
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
