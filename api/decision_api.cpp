// Decision API: GET /v1/personalize?userId=U&placement=P picks the content variant for
// the user's live segment (SPEC 4).

#include <algorithm>
#include <atomic>
#include <random>

#include <caf/actor_system.hpp>

#include "actors/messages.hpp"
#include "actors/profile.hpp"
#include "actors/stable_hash.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "api/ask.hpp"
#include "api/query_failure.hpp"
#include "http/http_router.hpp"
#include "api/services.hpp"

namespace cohort::api {

using namespace cohort::http;
using namespace cohort::storage;

namespace {

/// The variant served and whether the user is held out.
struct choice {
  const config::variant* variant;
  bool holdout;
};

/// Holdout is sticky: a user's share is a hash of user and placement, so the same user
/// stays in (or out of) the holdout group on every request.
bool in_holdout(const config::placement& p, const std::string& user, const std::string& name) {
  if (p.holdout <= 0)
    return false;
  auto h = actors::stable_hash(user + '\x1f' + name);
  return static_cast<double>(h % 1000000) / 1000000.0 < p.holdout;
}

/// Thompson sampling: one draw per variant from its arm's Beta(1 + rewards,
/// 1 + impressions - rewards) (actors/learner_state.hpp); the highest draw wins. Arms no
/// outcome reached yet draw from the uniform Beta(1, 1) prior.
const config::variant& thompson(const config::placement& p, const std::string& name,
                                const std::string& segment,
                                const std::vector<config::variant>& variants,
                                const actors::posteriors* learned) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::size_t best = 0;
  double best_draw = -1;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    double alpha = 1, beta = 1;
    const auto* arm =
      learned != nullptr ? learned->find({name, segment, variants[i].id, false}) : nullptr;
    if (arm != nullptr) {
      const auto rewards = std::min(arm->rewards(p.reward), arm->impressions);
      alpha += static_cast<double>(rewards);
      beta += static_cast<double>(arm->impressions - rewards);
    }
    std::gamma_distribution<double> ga{alpha, 1.0}, gb{beta, 1.0};
    const double a = ga(rng), b = gb(rng);
    const double draw = a / (a + b);
    if (draw > best_draw) {
      best_draw = draw;
      best = i;
    }
  }
  return variants[best];
}

choice choose(const config::placement& p, const std::string& name, const std::string& user,
              const std::string& segment, const actors::posteriors* learned) {
  if (in_holdout(p, user, name))
    return {&p.fallback, true};
  auto it = p.by_segment.find(segment);
  if (it == p.by_segment.end() || it->second.empty())
    return {&p.fallback, false};
  const auto& variants = it->second;
  if (p.strategy == "thompson" && variants.size() > 1)
    return {&thompson(p, name, segment, variants, learned), false};
  return {&variants.front(), false};
}

std::string decision_id(const services& svc) {
  static std::atomic<std::uint64_t> counter{0};
  return "d-" + svc.cfg.node.id + "-" + std::to_string(svc.started_ms) + "-"
         + std::to_string(++counter);
}

/// The decision for `user` at `placement`, as it is kept for attribution, and the
/// variant it serves.
std::pair<actors::decision_record, const config::variant*>
decide(const services& svc, const actors::engine_model& model, const std::string& placement,
       const std::string& user, const actors::profile_summary* p) {
  const std::string segment = p != nullptr ? p->segment : "default";
  const auto learned = svc.posteriors ? svc.posteriors->get() : nullptr;
  auto c = choose(model.placements.at(placement), placement, user, segment, learned.get());
  return {{decision_id(svc), user, placement, segment, c.variant->id, c.holdout,
           model.score.kind(), model.score.version(model.version), codecs::now_ms(),
           p != nullptr ? p->features : std::vector<double>{}},
          c.variant};
}

/// The response to decision `d`, which serves `served` (SPEC 4).
std::string decision_json(const actors::decision_record& d, const config::variant& served,
                          const actors::profile_summary* p) {
  codecs::json_writer w;
  w.begin_object();
  w.key("userId").value(d.user_id);
  w.key("segment").value(d.segment);
  w.key("score").value(p != nullptr ? p->score : 0.0);
  w.key("tags").begin_array();
  if (p != nullptr)
    for (const auto& t : p->tags)
      w.value(t);
  w.end_array();
  w.key("placement").value(d.placement);
  w.key("variant").begin_object().key("id").value(d.variant);
  w.key("payload").raw(served.payload_json).end_object();
  w.key("decisionId").value(d.id);
  w.key("holdout").value(d.holdout);
  w.key("model").begin_object().key("kind").value(d.model_kind).key("version")
    .value(d.model_version);
  w.end_object().end_object();
  return w.take();
}

/// Keeps the decision, then answers it: 200, or 503 when it could not be kept (a decision
/// that is not kept could never be credited with its outcomes; the client may retry).
void answer(services& svc, const actors::engine_model& model, const std::string& placement,
            const std::string& user, const actors::profile_summary* p, respond_fn respond) {
  auto [d, served] = decide(svc, model, placement, user, p);
  auto body = decision_json(d, *served, p);
  svc.record_decision(d, [respond, body = std::move(body)](result<bool> kept) {
    if (kept) {
      respond(json_response(body));
      return;
    }
    auto res = error_response(503, "decision not recorded: " + kept.error().reason);
    res.headers.emplace_back("Retry-After", "1");
    respond(std::move(res));
  });
}

void personalize(services& svc, http_request&& req, respond_fn respond) {
  auto user = req.param("userId");
  auto placement = req.param("placement");
  if (user.empty() || placement.empty()) {
    respond(error_response(400, "userId and placement are required query parameters"));
    return;
  }
  auto model = svc.model->get();
  if (model->placements.count(placement) == 0) {
    respond(error_response(404, "unknown placement: " + placement));
    return;
  }
  ask<actors::profile_summary>(
    svc.system, svc.locator, svc.cfg.ingest.request_timeout,
    [&svc, model, user, placement, respond](caf::expected<actors::profile_summary> p) {
      if (p)
        answer(svc, *model, placement, user, &*p, respond);
      else if (actors::is(p.error(), actors::errc::unknown_user))
        answer(svc, *model, placement, user, nullptr, respond);
      else
        respond(query_failure(svc, p.error(), "decision", user));
    },
    actors::summary_atom::value, user);
}

} // namespace

void add_decision_api(http_router& router, services& svc) {
  router.add("GET", "/v1/personalize", [&svc](http_request&& req, respond_fn respond) {
    personalize(svc, std::move(req), std::move(respond));
  });
}

} // namespace cohort::api
