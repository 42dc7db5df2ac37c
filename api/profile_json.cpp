#include "api/profile_json.hpp"

#include "codecs/event_json.hpp"
#include "codecs/time.hpp"

namespace cohort::api {

using codecs::write_event;

std::string profile_json(const actors::profile& p) {
  codecs::json_writer w;
  w.begin_object();
  w.key("userId").value(p.user_id);
  w.key("profileId").value(p.profile_id);
  w.key("segment").value(p.segment);
  w.key("score").value(p.score);
  w.key("scoreBreakdown").begin_array();
  for (const auto& t : p.breakdown) {
    w.begin_object().key("feature").value(t.feature).key("weight").value(t.weight);
    w.key("value").value(t.value).key("normalized").value(t.normalized);
    w.key("contribution").value(t.contribution).end_object();
  }
  w.end_array();
  w.key("tags").begin_array();
  for (const auto& tag : p.tags)
    w.value(tag);
  w.end_array();
  w.key("features").begin_object();
  for (const auto& [name, value] : p.features)
    w.key(name).value(value);
  for (const auto& [name, text] : p.text_features)
    w.key(name).value(text);
  w.end_object();
  w.key("session").begin_object().key("id").value(p.session.id);
  w.key("started").value(codecs::format_iso8601(p.session.started_ms));
  w.key("lastEvent").value(codecs::format_iso8601(p.session.last_event_ms));
  w.key("events").value(p.session.events).end_object();
  w.key("model").begin_object().key("kind").value(p.model_kind).key("version")
    .value(p.model_version).end_object();
  w.key("events").value(p.events);
  w.key("duplicates").value(p.duplicates);
  w.key("late").value(p.late);
  w.key("eventCounts").begin_object();
  for (const auto& [type, n] : p.event_counts)
    w.key(type).value(n);
  w.end_object();
  w.key("identities").begin_array();
  for (const auto& id : p.identities)
    w.begin_object().key("kind").value(id.kind).key("id").value(id.id).key("link").value(id.link)
      .key("confidence").value(id.confidence).end_object();
  w.end_array();
  w.key("firstSeen").value(codecs::format_iso8601(p.first_seen_ms));
  w.key("lastSeen").value(codecs::format_iso8601(p.last_seen_ms));
  w.key("updated").value(codecs::format_iso8601(p.updated_ms));
  w.key("recentEvents").begin_array();
  for (const auto& ev : p.recent)
    write_event(w, ev);
  w.end_array();
  w.end_object();
  return w.take();
}

} // namespace cohort::api
