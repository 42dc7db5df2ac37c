// The feedback loop's endpoints (SPEC 5): POST /v1/outcomes credits decisions with
// impressions, clicks and conversions; GET /admin/api/experiments shows what the bandit
// learned per placement, segment and variant, with the holdout's numbers and the lift.

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include <caf/actor_system.hpp>
#include <simdjson.h>

#include "actors/beta_distribution.hpp"
#include "actors/learner_actor.hpp"
#include "actors/messages.hpp"
#include "api/admin_guard.hpp"
#include "api/ask.hpp"
#include "api/services.hpp"
#include "codecs/json_writer.hpp"
#include "http/auth.hpp"
#include "http/http_request_parse.hpp"
#include "http/http_router.hpp"

namespace cohort::api {

using namespace cohort::http;

namespace {

/// One refused item of a request: nothing of the request is counted.
struct item_error {
  std::size_t index;
  std::string reason;
};

/// A request's outcomes once its shape is checked, and the write key it carried.
struct parsed_outcomes {
  std::vector<actors::outcome_item> items;
  std::vector<item_error> errors;
  std::string write_key;
  bool batch = false;  ///< {batch: [...]} rather than one outcome.
};

/// A non-empty string member `key`: nullopt when absent, "" (with `error` set) when it is
/// there but not a non-empty string.
std::optional<std::string> string_member(simdjson::dom::object obj, const char* key,
                                         std::string& error) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS)
    return std::nullopt;
  std::string_view text;
  if (e.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
    error = std::string(key) + " must be a non-empty string";
    return std::string{};
  }
  return std::string(text);
}

/// Checks one outcome object; the reason why not, or "" with `out` filled.
std::string read_item(const services& svc, simdjson::dom::element element,
                      actors::outcome_item& out) {
  simdjson::dom::object obj;
  if (element.get_object().get(obj) != simdjson::SUCCESS)
    return "an outcome must be a JSON object";
  std::string error;
  auto decision = string_member(obj, "decisionId", error);
  auto user = string_member(obj, "userId", error);
  auto placement = string_member(obj, "placement", error);
  auto outcome = string_member(obj, "outcome", error);
  auto message = string_member(obj, "messageId", error);
  if (!error.empty())
    return error;
  if (!outcome)
    return "outcome is required (impression, click or conversion)";
  if (!actors::outcome_kind_of(*outcome))
    return "unknown outcome '" + *outcome + "' (expected impression, click or conversion)";
  if (simdjson::dom::element v; obj["value"].get(v) == simdjson::SUCCESS && !v.is_number())
    return "value must be a number";
  if (decision) {
    out.decision_id = *decision;
  } else {
    if (!user || !placement)
      return "decisionId, or userId and placement, are required";
    if (svc.model->get()->placements.count(*placement) == 0)
      return "unknown placement '" + *placement + "'";
    out.user_id = *user;
    out.placement = *placement;
  }
  out.outcome = *outcome;
  out.message_id = message.value_or("");
  return "";
}

result<parsed_outcomes> parse_outcomes(const services& svc, std::string_view body) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root))
    return failure{400, std::string("malformed JSON: ") + simdjson::error_message(err)};
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return failure{400, "expected a JSON object: an outcome or {\"batch\": [outcomes]}"};
  parsed_outcomes out;
  if (std::string_view key; obj["writeKey"].get_string().get(key) == simdjson::SUCCESS)
    out.write_key = std::string(key);
  simdjson::dom::element batch;
  if (obj["batch"].get(batch) != simdjson::SUCCESS) {
    out.items.emplace_back();
    if (auto reason = read_item(svc, root, out.items.back()); !reason.empty())
      out.errors.push_back({0, std::move(reason)});
    return out;
  }
  out.batch = true;
  simdjson::dom::array items;
  if (batch.get_array().get(items) != simdjson::SUCCESS || items.size() == 0)
    return failure{400, "batch must be a non-empty array of outcomes"};
  std::size_t index = 0;
  for (auto element : items) {
    out.items.emplace_back();
    if (auto reason = read_item(svc, element, out.items.back()); !reason.empty())
      out.errors.push_back({index, std::move(reason)});
    ++index;
  }
  return out;
}

std::string rejection_body(const std::vector<item_error>& errors) {
  codecs::json_writer w;
  w.begin_object().key("success").value(false).key("rejected").begin_array();
  for (const auto& e : errors)
    w.begin_object().key("index").value(std::uint64_t{e.index}).key("reason").value(e.reason)
      .end_object();
  w.end_array().end_object();
  return w.take();
}

const char* status_name(std::uint8_t status) {
  switch (status) {
    case actors::outcome_verdict::counted: return "counted";
    case actors::outcome_verdict::duplicate: return "duplicate";
    default: return "unknown";
  }
}

/// 200 with every item's verdict; a single outcome naming no kept decision is a 404.
http_response verdicts_response(const std::vector<actors::outcome_verdict>& verdicts,
                                bool batch) {
  if (!batch && verdicts.front().status == actors::outcome_verdict::unknown)
    return error_response(404, verdicts.front().reason);
  std::uint64_t counted = 0, duplicates = 0, unknown = 0;
  codecs::json_writer w;
  w.begin_object().key("success").value(true).key("results").begin_array();
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    const auto& v = verdicts[i];
    counted += v.status == actors::outcome_verdict::counted;
    duplicates += v.status == actors::outcome_verdict::duplicate;
    unknown += v.status == actors::outcome_verdict::unknown;
    w.begin_object().key("index").value(std::uint64_t{i}).key("status").value(status_name(v.status));
    if (!v.decision_id.empty())
      w.key("decisionId").value(v.decision_id);
    if (!v.reason.empty())
      w.key("reason").value(v.reason);
    w.end_object();
  }
  w.end_array().key("counted").value(counted).key("duplicates").value(duplicates);
  w.key("unknown").value(unknown).end_object();
  return json_response(w.take());
}

void post_outcomes(services& svc, http_request&& req, respond_fn respond) {
  const auto& keys = svc.cfg.ingest.write_keys;
  auto keyed = read_keyed_body(req, keys, svc.cfg.ingest.max_body_bytes);
  if (!keyed) {
    respond(error_response(keyed.error().status, keyed.error().reason));
    return;
  }
  const auto& basic = keyed->basic;
  auto parsed = parse_outcomes(svc, keyed->body);
  if (!parsed) {
    respond(error_response(parsed.error().status, parsed.error().reason));
    return;
  }
  if (!basic && !write_key_allowed(keys, parsed->write_key)) {
    respond(error_response(401, parsed->write_key.empty()
                                  ? "missing write key (Basic auth or writeKey)"
                                  : "unknown write key"));
    return;
  }
  if (!parsed->errors.empty()) {
    respond(json_response(rejection_body(parsed->errors), 400));
    return;
  }
  const bool batch = parsed->batch;
  ask<std::vector<actors::outcome_verdict>>(
    svc.system, svc.learner, svc.cfg.ingest.request_timeout,
    [&svc, batch, respond](caf::expected<std::vector<actors::outcome_verdict>> verdicts) {
      if (!verdicts) {
        auto res = error_response(503, "outcomes not stored: " + svc.system.render(verdicts.error()));
        res.headers.emplace_back("Retry-After", "1");
        respond(std::move(res));
        return;
      }
      respond(verdicts_response(*verdicts, batch));
    },
    actors::outcome_atom::value, std::move(parsed->items));
}

double rate_of(const actors::arm_counts& counts, const std::string& reward) {
  const auto rewards = std::min(counts.rewards(reward), counts.impressions);
  return static_cast<double>(rewards) / static_cast<double>(counts.impressions);
}

/// The numbers of one arm as the experiments page shows them: counts, the observed rate
/// (null before any impression) and the 95% credible interval of the Beta posterior.
void write_arm(codecs::json_writer& w, const actors::arm_counts& counts,
               const std::string& reward) {
  const auto rewards = std::min(counts.rewards(reward), counts.impressions);
  w.key("impressions").value(counts.impressions).key("clicks").value(counts.clicks);
  w.key("conversions").value(counts.conversions).key("rewards").value(rewards);
  const actors::beta_distribution posterior{1.0 + static_cast<double>(rewards),
                                            1.0 + static_cast<double>(counts.impressions - rewards)};
  w.key("rate");
  if (counts.impressions > 0)
    w.value(rate_of(counts, reward));
  else
    w.null();
  w.key("interval").begin_array().value(posterior.quantile(0.025))
    .value(posterior.quantile(0.975)).end_array();
}

/// One segment of a placement: its variants' counts and its holdout's.
struct segment_arms {
  std::map<std::string, actors::arm_counts> variants;
  actors::arm_counts holdout;
};

/// Every segment of `placement` that has configured variants or counted outcomes.
std::map<std::string, segment_arms> segments_of(const std::string& name,
                                                const config::placement& placement,
                                                const actors::posteriors& learned) {
  std::map<std::string, segment_arms> out;
  for (const auto& [segment, variants] : placement.by_segment)
    for (const auto& v : variants)
      out[segment].variants[v.id];
  for (const auto& [arm, counts] : learned.arms) {
    if (arm.placement != name)
      continue;
    auto& segment = out[arm.segment];
    if (arm.holdout) {
      segment.holdout.impressions += counts.impressions;
      segment.holdout.clicks += counts.clicks;
      segment.holdout.conversions += counts.conversions;
    } else {
      segment.variants[arm.variant] = counts;
    }
  }
  return out;
}

std::string experiments_json(const actors::engine_model& model,
                             const actors::posteriors& learned) {
  codecs::json_writer w;
  w.begin_object().key("version").value(learned.version).key("placements").begin_array();
  for (const auto& [name, placement] : model.placements) {
    w.begin_object().key("placement").value(name).key("strategy").value(placement.strategy);
    w.key("reward").value(placement.reward).key("holdout").value(placement.holdout);
    w.key("segments").begin_array();
    for (const auto& [segment, arms] : segments_of(name, placement, learned)) {
      w.begin_object().key("segment").value(segment);
      w.key("holdout").begin_object().key("variant").value(placement.fallback.id);
      write_arm(w, arms.holdout, placement.reward);
      w.end_object().key("variants").begin_array();
      for (const auto& [id, counts] : arms.variants) {
        w.begin_object().key("id").value(id);
        write_arm(w, counts, placement.reward);
        // Lift over the holdout: rate / holdout rate - 1, once both have a rate.
        w.key("lift");
        if (counts.impressions > 0 && arms.holdout.impressions > 0
            && rate_of(arms.holdout, placement.reward) > 0)
          w.value(rate_of(counts, placement.reward) / rate_of(arms.holdout, placement.reward) - 1);
        else
          w.null();
        w.end_object();
      }
      w.end_array().end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return w.take();
}

} // namespace

void add_outcomes_api(http_router& router, services& svc) {
  router.add("POST", "/v1/outcomes", [&svc](http_request&& req, respond_fn respond) {
    post_outcomes(svc, std::move(req), std::move(respond));
  });
  router.add("GET", "/admin/api/experiments",
             admin_guarded(svc.cfg.admin.token, [&svc](http_request&&, respond_fn respond) {
               respond(json_response(experiments_json(*svc.model->get(), *svc.posteriors->get())));
             }));
}

} // namespace cohort::api
