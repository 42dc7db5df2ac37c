// The learned score's versions (issue 17, SPEC 5): GET /admin/api/models/score shows them
// with the held-out losses that promoted them; POST /admin/api/models/score/rollback makes
// the previous one current.

#include "actors/learner_actor.hpp"
#include "actors/messages.hpp"
#include "api/admin_guard.hpp"
#include "api/ask.hpp"
#include "api/services.hpp"
#include "codecs/json_writer.hpp"
#include "http/http_router.hpp"

namespace cohort::api {

using namespace cohort::http;

namespace {

/// name -> weight of `weights` over `inputs`.
void write_weights(codecs::json_writer& w, const std::vector<std::string>& inputs,
                   const std::vector<double>& weights, double bias) {
  w.key("weights").begin_object();
  for (std::size_t i = 0; i < inputs.size() && i < weights.size(); ++i)
    w.key(inputs[i]).value(weights[i]);
  w.end_object().key("bias").value(bias);
}

std::string status_json(const actors::learned_status& s) {
  codecs::json_writer w;
  w.begin_object().key("kind").value("learned").key("current").value(s.current);
  w.key("heldOut").begin_object().key("examples").value(s.held_out);
  w.key("currentLogLoss").value(s.current_loss).key("candidateLogLoss").value(s.candidate_loss);
  w.end_object().key("candidate").begin_object();
  write_weights(w, s.inputs, s.candidate_weights, s.candidate_bias);
  w.end_object().key("versions").begin_array();
  for (const auto& v : s.versions) {
    w.begin_object().key("version").value(v.version).key("current").value(v.version == s.current);
    write_weights(w, s.inputs, v.weights, v.bias);
    w.key("heldOutLogLoss").value(v.holdout_log_loss).key("promotedAt").value(v.promoted_ms);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

/// Asks the learner `atom` and answers with the status; 404 when the node does not learn
/// a score, 409 when a rollback had nothing to go back to.
template <class Atom>
void ask_learner(services& svc, respond_fn respond, Atom atom) {
  ask<actors::learned_status>(
    svc.system, svc.learner, svc.cfg.ingest.request_timeout,
    [&svc, respond](caf::expected<actors::learned_status> s) {
      if (!s)
        respond(error_response(503, "learned score: " + svc.system.render(s.error())));
      else if (!s->learning)
        respond(error_response(404, "score.model was not 'learned' when this node started: "
                                    "there is no learned score"));
      else if (std::is_same<Atom, actors::rollback_atom>::value && !s->changed)
        respond(error_response(409, s->refused));
      else
        respond(json_response(status_json(*s)));
    },
    atom);
}

} // namespace

void add_models_api(http_router& router, services& svc) {
  router.add("GET", "/admin/api/models/score",
             admin_guarded(svc.cfg.admin.token, [&svc](http_request&&, respond_fn respond) {
               ask_learner(svc, std::move(respond), actors::models_atom::value);
             }));
  router.add("POST", "/admin/api/models/score/rollback",
             admin_guarded(svc.cfg.admin.token, [&svc](http_request&&, respond_fn respond) {
               ask_learner(svc, std::move(respond), actors::rollback_atom::value);
             }));
}

} // namespace cohort::api
