#include "actors/model_loader.hpp"

#include "config/loader.hpp"

namespace cohort::actors {

std::shared_ptr<const actors::engine_model>
build_model(const config::config& cfg, std::uint64_t version, std::vector<std::string>& errors,
            std::shared_ptr<learned_board> learned) {
  auto before = errors.size();
  auto score = actors::score_model::from_config(cfg.score, errors, std::move(learned));
  std::vector<config::rule_error> rule_errors;
  auto rules = config::rule_set::compile(cfg.tags, cfg.segments, rule_errors);
  for (const auto& e : rule_errors)
    errors.push_back(e.to_string());
  if (errors.size() != before || !score || !rules)
    return nullptr;
  auto model = std::make_shared<actors::engine_model>();
  model->rules = std::move(rules);
  model->score = std::move(*score);
  model->placements = cfg.placements;
  model->version = version;
  return model;
}

actors::session_limits session_limits_of(const config::config& cfg) {
  actors::session_limits limits;
  limits.gap_ms = cfg.sessions.gap.count();
  limits.allowed_lateness_ms = cfg.sessions.allowed_lateness.count();
  limits.dedup_window_ms = cfg.ingest.dedup_window.count();
  limits.recent_events = cfg.sessions.recent_events;
  return limits;
}

} // namespace cohort::actors

namespace cohort::actors {

model_reloader::model_reloader(std::string config_path,
                               std::shared_ptr<actors::model_holder> holder)
  : path_(std::move(config_path)), holder_(std::move(holder)) {
}

reload_outcome model_reloader::reload() {
  std::lock_guard<std::mutex> guard{mutex_};
  reload_outcome out;
  auto current = holder_->get();
  out.version = current->version;
  auto loaded = config::load_file(path_);
  for (const auto& e : loaded.errors)
    out.errors.push_back(e.to_string(path_));
  if (!out.errors.empty())
    return out;
  // The learner trains the board it was started with: a reload can keep serving it, but
  // cannot start learning (nothing would train a new board) until a restart.
  const auto& learned = current->score.learned();
  if (loaded.cfg.score.model == "learned" && !learned) {
    out.errors.push_back("score.model: switching to 'learned' needs a restart (the learner "
                         "starts with the node)");
    return out;
  }
  auto next = build_model(loaded.cfg, current->version + 1, out.errors, learned);
  if (!next)
    return out;
  holder_->set(next);
  out.applied = true;
  out.version = next->version;
  return out;
}

} // namespace cohort::actors
