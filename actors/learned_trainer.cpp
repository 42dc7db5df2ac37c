#include "actors/learned_trainer.hpp"

#include <cmath>
#include <limits>

#include "actors/stable_hash.hpp"

namespace cohort::actors {

learned_trainer::learned_trainer(logistic_model initial, learning_params params,
                                 std::int64_t now_ms, std::uint64_t first_version)
  : params_(params), current_(initial), candidate_(initial) {
  versions_.push_back({first_version, initial.weights(), initial.bias(),
                       std::numeric_limits<double>::quiet_NaN(), now_ms});
}

std::optional<learned_trainer> learned_trainer::restore(const logistic_model& initial,
                                                        learning_params params,
                                                        learned_saved saved) {
  if (!saved.head)
    return std::nullopt;
  const auto& head = *saved.head;
  auto& versions = saved.versions;
  std::vector<std::string> names;
  for (const auto& in : initial.inputs())
    names.push_back(in.name);
  if (names != head.inputs || versions.empty()
      || head.candidate_weights.size() != names.size())
    return std::nullopt;
  std::size_t current = versions.size();
  for (std::size_t i = 0; i < versions.size(); ++i) {
    if (versions[i].weights.size() != names.size())
      return std::nullopt;
    if (versions[i].version == head.current)
      current = i;
  }
  if (current == versions.size())
    return std::nullopt;
  learned_trainer t{initial, params, 0};
  t.versions_ = std::move(versions);
  t.current_index_ = current;
  t.current_ = t.with(t.versions_[current]);
  t.candidate_ = logistic_model{initial.inputs(), head.candidate_weights, head.candidate_bias};
  t.since_check_ = head.since_check;
  t.next_seq_ = head.next_held_out;
  for (auto& e : saved.held_out) {
    // Consecutive seqs of the right width, or the store holds something else.
    if (e.x.size() != names.size()
        || (!t.holdout_.empty() && e.seq != t.holdout_.back().seq + 1) || e.seq >= t.next_seq_)
      return std::nullopt;
    t.holdout_.push_back(std::move(e));
  }
  while (t.holdout_.size() > params.holdout_capacity)
    t.holdout_.pop_front();
  return t;
}

std::vector<held_out_example> learned_trainer::unsaved_held_out() const {
  std::vector<held_out_example> out;
  if (holdout_.empty())
    return out;
  const auto first = holdout_.front().seq;
  for (auto seq : unsaved_)
    out.push_back(holdout_[static_cast<std::size_t>(seq - first)]);
  return out;
}

std::uint64_t learned_trainer::held_out_from() const {
  return holdout_.empty() ? next_seq_ : holdout_.front().seq;
}

learned_head learned_trainer::head() const {
  learned_head h;
  for (const auto& in : current_.inputs())
    h.inputs.push_back(in.name);
  h.current = current_version().version;
  h.candidate_weights = candidate_.weights();
  h.candidate_bias = candidate_.bias();
  h.since_check = since_check_;
  h.next_held_out = next_seq_;
  return h;
}

bool learned_trainer::held_out(std::string_view decision_id) const {
  // As the placements' holdout (decision_api): the same slice on every run and node.
  return static_cast<double>(stable_hash(decision_id) % 1000000) / 1000000.0
         < params_.holdout_share;
}

bool learned_trainer::add(std::string_view decision_id, labeled_example example,
                          std::int64_t now_ms) {
  if (held_out(decision_id)) {
    held_out_example kept;
    static_cast<labeled_example&>(kept) = std::move(example);
    kept.seq = next_seq_++;
    kept.decision = stable_hash(decision_id);
    unsaved_.insert(kept.seq);
    holdout_.push_back(std::move(kept));
    if (holdout_.size() > params_.holdout_capacity) {
      unsaved_.erase(holdout_.front().seq);
      holdout_.pop_front();
    }
    return false;
  }
  candidate_.train(example, params_.rate, params_.l2);
  if (++since_check_ < params_.promote_every)
    return false;
  since_check_ = 0;
  const double candidate_loss = holdout_log_loss(candidate_);
  const double current_loss = holdout_log_loss(current_);
  // NaN (an empty ring) compares false: no promotion without evidence.
  if (!(candidate_loss < current_loss))
    return false;
  versions_.push_back({versions_.back().version + 1, candidate_.weights(), candidate_.bias(),
                       candidate_loss, now_ms});
  current_index_ = versions_.size() - 1;
  current_ = candidate_;
  return true;
}

void learned_trainer::relabel(std::string_view decision_id, const std::vector<double>& x) {
  if (held_out(decision_id)) {
    const auto hash = stable_hash(decision_id);
    for (std::size_t i = holdout_.size(); i-- > 0;)
      if (holdout_[i].decision == hash) {
        holdout_[i].label = 1;
        unsaved_.insert(holdout_[i].seq);
        return;
      }
    return;  // Fell out of the ring: nothing left to correct.
  }
  // d(log-loss)/d(margin) is p - y: raising y from 0 to 1 adds -1 to it.
  candidate_.shift(x, params_.rate);
}

bool learned_trainer::rollback() {
  if (current_index_ == 0)
    return false;
  --current_index_;
  current_ = with(versions_[current_index_]);
  candidate_ = current_;
  since_check_ = 0;
  return true;
}

logistic_model learned_trainer::with(const learned_version& v) const {
  return logistic_model{current_.inputs(), v.weights, v.bias};
}

} // namespace cohort::actors
