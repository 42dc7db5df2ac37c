#include "api/change_json.hpp"

#include <vector>

#include "codecs/time.hpp"

namespace cohort::api {

namespace {

void write_strings(codecs::json_writer& w, const char* key,
                   const std::vector<std::string>& xs) {
  w.key(key).begin_array();
  for (const auto& x : xs)
    w.value(x);
  w.end_array();
}

void write_segment_change(codecs::json_writer& w, const actors::change_event& ev) {
  w.key("type").value("segment_change");
  w.key("userId").value(ev.user_id);
  w.key("from");
  if (ev.from.empty())
    w.null();
  else
    w.value(ev.from);
  w.key("to").value(ev.to);
}

void write_tags_change(codecs::json_writer& w, const actors::change_event& ev) {
  w.key("type").value("tags_change");
  w.key("userId").value(ev.user_id);
  w.key("segment").value(ev.to);
}

/// profile_merged: `userId` (the surviving profile) absorbed `merged`;
/// profile_unmerged: `userId` (a new profile) was split off `from`.
void write_identity_change(codecs::json_writer& w, const actors::change_event& ev) {
  const bool merged = ev.type == actors::change_event::kind::profile_merged;
  w.key("type").value(merged ? "profile_merged" : "profile_unmerged");
  w.key("userId").value(ev.user_id);
  w.key("profileId").value(ev.user_id);
  w.key(merged ? "merged" : "from").value(ev.from);
  w.key("link").value(ev.link);
  w.key("confidence").value(ev.confidence);
  w.key("segment").value(ev.to);
}

} // namespace

void write_change(codecs::json_writer& w, const actors::change_event& ev) {
  const bool tags = ev.type == actors::change_event::kind::tags_change;
  w.begin_object();
  if (ev.type == actors::change_event::kind::profile_merged
      || ev.type == actors::change_event::kind::profile_unmerged)
    write_identity_change(w, ev);
  else if (tags)
    write_tags_change(w, ev);
  else
    write_segment_change(w, ev);
  w.key("score").value(ev.score);
  write_strings(w, "tags", ev.tags);
  if (tags) {
    write_strings(w, "added", ev.added);
    write_strings(w, "removed", ev.removed);
  }
  w.key("at").value(codecs::format_iso8601(ev.at_ms));
  w.key("cause").begin_object().key("messageId").value(ev.message_id).end_object();
  // The profile's change number: a client that sees a number again after a failover
  // (the new owner replays the events since its checkpoint) drops the repeat.
  if (ev.seq != 0)
    w.key("seq").value(ev.seq);
  w.end_object();
}

std::string change_json(const actors::change_event& ev) {
  codecs::json_writer w;
  write_change(w, ev);
  return w.take();
}

} // namespace cohort::api
