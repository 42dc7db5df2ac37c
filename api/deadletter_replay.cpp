#include "api/deadletter_replay.hpp"

#include <memory>

#include <caf/actor_system.hpp>
#include <simdjson.h>

#include "actors/messages.hpp"
#include "api/ask.hpp"
#include "api/segment_paths.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/native_decoder.hpp"
#include "codecs/segment_decoder.hpp"
#include "codecs/time.hpp"

namespace cohort::api {

using namespace cohort::http;
using storage::dead_letter;
using storage::letter_selection;

namespace {

constexpr std::size_t max_replay = 10000;

/// How the ingest path a letter came in on decodes one message of it. A letter is one
/// message of a batch or array, so it is wrapped into a batch (array) of one again.
std::optional<result<codecs::decoded_batch>> decode_letter(const services& svc,
                                                           const dead_letter& l,
                                                           const codecs::decode_context& ctx) {
  using codecs::segment_call;
  if (l.source == "/v1/events")
    return codecs::decode_native("[" + l.raw + "]", codecs::native_format::json, svc.mappings,
                                 ctx);
  auto call = segment_call_of(l.source);
  if (!call)
    return std::nullopt;
  if (*call == segment_call::batch)
    return codecs::decode_segment("{\"batch\":[" + l.raw + "]}", segment_call::batch, ctx);
  return codecs::decode_segment(l.raw, *call, ctx);
}

struct replay_outcome {
  std::vector<dead_letter> replayed;
  std::vector<dead_letter> failed_again;
  std::size_t skipped = 0;
  bool more = false;
  std::size_t selected = 0;
};

std::string outcome_json(const replay_outcome& o) {
  codecs::json_writer w;
  w.begin_object().key("selected").value(std::uint64_t{o.selected});
  w.key("replayed").value(std::uint64_t{o.replayed.size()});
  w.key("failedAgain").value(std::uint64_t{o.failed_again.size()});
  w.key("skipped").value(std::uint64_t{o.skipped}).key("more").value(o.more).end_object();
  return w.take();
}

void settle_and_answer(services& svc, std::shared_ptr<replay_outcome> o, respond_fn respond) {
  auto settled = svc.letters.settle(o->replayed, o->failed_again, codecs::now_ms());
  if (!settled) {
    respond(error_response(500, settled.error().reason));
    return;
  }
  respond(json_response(outcome_json(*o)));
}

std::optional<std::int64_t> time_of(simdjson::dom::object obj, const char* key,
                                    std::string& problem) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS)
    return std::nullopt;
  std::string_view text;
  std::optional<std::int64_t> ms;
  if (e.get_string().get(text) == simdjson::SUCCESS)
    ms = codecs::parse_iso8601(text);
  if (!ms)
    problem = std::string(key) + " must be an ISO 8601 time";
  return ms;
}

} // namespace

std::variant<letter_selection, std::string> parse_replay_selection(std::string_view body) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root))
    return std::string("malformed JSON: ") + simdjson::error_message(err);
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return std::string("expected a JSON object {reason, from, to, ids}");
  letter_selection out;
  bool any = false;
  for (auto field : obj) {
    if (field.key != "reason" && field.key != "from" && field.key != "to" && field.key != "ids")
      return "unknown key '" + std::string(field.key) + "' (expected reason, from, to, ids)";
    any = true;
  }
  if (!any)
    return std::string("select the letters to replay by reason, from/to or ids");
  std::string_view reason;
  if (simdjson::dom::element e; obj["reason"].get(e) == simdjson::SUCCESS) {
    if (e.get_string().get(reason) != simdjson::SUCCESS || reason.empty())
      return std::string("reason must be a non-empty string (a prefix of the reasons)");
    out.reason = std::string(reason);
  }
  std::string problem;
  out.from_ms = time_of(obj, "from", problem);
  out.to_ms = time_of(obj, "to", problem);
  if (!problem.empty())
    return problem;
  if (simdjson::dom::element e; obj["ids"].get(e) == simdjson::SUCCESS) {
    simdjson::dom::array ids;
    if (e.get_array().get(ids) != simdjson::SUCCESS || ids.size() == 0)
      return std::string("ids must be a non-empty list of dead-letter ids");
    for (auto id : ids) {
      std::uint64_t n = 0;
      if (id.get_uint64().get(n) != simdjson::SUCCESS)
        return std::string("ids must be a non-empty list of dead-letter ids");
      out.ids.push_back(n);
    }
  }
  return out;
}

void replay_dead_letters(services& svc, http_request&& req, respond_fn respond) {
  auto parsed = parse_replay_selection(req.body);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    respond(error_response(400, *problem));
    return;
  }
  auto o = std::make_shared<replay_outcome>();
  auto letters = svc.letters.select(std::get<letter_selection>(parsed), max_replay, o->more);
  o->selected = letters.size();
  codecs::decode_context ctx{codecs::now_ms(), &svc.types, svc.cfg.ingest.max_message_bytes};
  actors::event_batch events;
  for (auto& l : letters) {
    auto decoded = decode_letter(svc, l, ctx);
    if (!decoded) {
      ++o->skipped;
      continue;
    }
    if (!*decoded) {
      l.reason = decoded->error().reason;
      o->failed_again.push_back(std::move(l));
    } else if (!(*decoded)->rejected.empty()) {
      l.reason = (*decoded)->rejected.front().reason;
      o->failed_again.push_back(std::move(l));
    } else {
      for (auto& ev : (*decoded)->events)
        events.push_back(std::move(ev));
      o->replayed.push_back(std::move(l));
    }
  }
  if (events.empty()) {
    settle_and_answer(svc, o, std::move(respond));
    return;
  }
  if (!svc.flow->try_admit(static_cast<std::int64_t>(events.size()))) {
    auto res = error_response(503, "overloaded: too many events waiting to be applied");
    res.headers.emplace_back("Retry-After", "1");
    respond(std::move(res));
    return;
  }
  ask<std::uint64_t>(
    svc.system, svc.ingest, svc.cfg.ingest.request_timeout,
    [&svc, o, respond](caf::expected<std::uint64_t> ack) {
      if (!ack) {
        auto res = error_response(503, "not acknowledged: " + svc.system.render(ack.error()));
        res.headers.emplace_back("Retry-After", "1");
        respond(std::move(res));
        return;
      }
      settle_and_answer(svc, o, respond);
    },
    actors::ingest_atom::value, std::move(events));
}

} // namespace cohort::api
