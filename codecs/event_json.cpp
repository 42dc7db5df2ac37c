#include "codecs/event_json.hpp"

#include "codecs/time.hpp"

namespace cohort::codecs {

void write_event(json_writer& w, const event& ev) {
  w.begin_object();
  w.key("messageId").value(ev.message_id);
  if (!ev.user_id.empty())
    w.key("userId").value(ev.user_id);
  if (!ev.anonymous_id.empty())
    w.key("anonymousId").value(ev.anonymous_id);
  w.key("type").value(ev.type);
  w.key("name").value(ev.name);
  w.key("call").value(ev.call);
  if (!ev.session_id.empty())
    w.key("sessionId").value(ev.session_id);
  w.key("timestamp").value(format_iso8601(ev.timestamp_ms));
  w.key("receivedAt").value(format_iso8601(ev.received_ms));
  w.key("properties").attributes_object(ev.properties);
  if (!ev.traits.empty())
    w.key("traits").attributes_object(ev.traits);
  w.key("context").attributes_object(ev.context);
  w.end_object();
}

} // namespace cohort::codecs
