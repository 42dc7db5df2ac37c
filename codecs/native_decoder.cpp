#include "codecs/native_decoder.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include "codecs/event_types.hpp"
#include "codecs/flatten.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/log_line.hpp"
#include "codecs/time.hpp"

namespace cohort::codecs {

namespace {

bool starts_with_path(std::string_view key, std::string_view prefix) {
  return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 &&
         key[prefix.size()] == '.';
}

// A `when` key matches a scalar with that key or, for nested raw objects, any key below it.
bool has_key(const attributes& attrs, std::string_view key) {
  for (const auto& a : attrs)
    if (a.key == key || starts_with_path(a.key, key))
      return true;
  return false;
}

bool matches(const mapping_rule& rule, const attributes& attrs) {
  for (const auto& cond : rule.when) {
    const auto eq = cond.find('=');
    if (eq == std::string::npos) {
      if (!has_key(attrs, cond))
        return false;
      continue;
    }
    const value* v = find(attrs, std::string_view(cond).substr(0, eq));
    if (!v || detail::value_text(*v) != std::string_view(cond).substr(eq + 1))
      return false;
  }
  return true;
}

std::string text_at(const attributes& attrs, const std::string& key) {
  if (key.empty())
    return {};
  const value* v = find(attrs, key);
  return v ? detail::value_text(*v) : std::string{};
}

std::optional<double> number_in(const value& v) {
  if (v.type == value::kind::number)
    return v.number;
  if (v.type != value::kind::string)
    return std::nullopt;
  double d;
  const char* end = v.text.data() + v.text.size();
  const auto r = std::from_chars(v.text.data(), end, d);
  if (r.ec != std::errc{} || r.ptr != end)
    return std::nullopt;
  return d;
}

// Unix ms from a raw timestamp in the rule's unit; nullopt when it cannot be one.
std::optional<std::int64_t> time_in(const value& v, time_unit unit) {
  if (unit == time_unit::iso8601)
    return v.type == value::kind::string ? parse_iso8601(v.text) : std::nullopt;
  auto n = number_in(v);
  if (!n)
    return std::nullopt;
  const double ms = unit == time_unit::s ? *n * 1000 : *n;
  // Beyond ~year 33000 the value is garbage, and llround of it would be undefined.
  if (!std::isfinite(ms) || std::fabs(ms) > 1e15)
    return std::nullopt;
  return std::llround(ms);
}

const char* unit_name(time_unit unit) {
  switch (unit) {
  case time_unit::ms: return "Unix milliseconds";
  case time_unit::s: return "Unix seconds";
  case time_unit::iso8601: return "an ISO 8601 time";
  }
  return "a time";
}

// Turns a flattened record into `ev` by `rule`; returns the rejection reason on failure.
std::optional<std::string> apply(const mapping_rule& rule, attributes&& attrs,
                                 const decode_context& ctx, event& ev) {
  const std::string where = "rule \"" + rule.name + "\": ";
  ev.user_id = text_at(attrs, rule.user_id);
  ev.anonymous_id = text_at(attrs, rule.anonymous_id);
  if (ev.user_id.empty() && ev.anonymous_id.empty())
    return where + "missing user id (" + rule.user_id +
           (rule.anonymous_id.empty() ? "" : " or " + rule.anonymous_id) + ")";
  ev.name = text_at(attrs, rule.type);
  if (ev.name.empty())
    ev.name = rule.type_value;
  if (ev.name.empty())
    return where + "missing type (" + rule.type + ")";
  ev.type = ctx.types->canonical(ev.name);
  ev.call = "native";

  ev.received_ms = ctx.received_ms;
  ev.timestamp_ms = ctx.received_ms;  // a shape without a time gets its arrival time
  const value* t = rule.timestamp.empty() ? nullptr : find(attrs, rule.timestamp);
  if (t && t->type != value::kind::null) {
    auto ms = time_in(*t, rule.unit);
    if (!ms)
      return where + rule.timestamp + " is not " + unit_name(rule.unit);
    ev.timestamp_ms = *ms;
  }

  ev.session_id = text_at(attrs, rule.session_id);
  const std::string event_id = text_at(attrs, rule.event_id);
  // Event ids are often only unique within a session, hence the compound dedup key.
  ev.message_id = ev.session_id.empty() || event_id.empty() ? event_id
                                                            : ev.session_id + ":" + event_id;

  const auto renamed = [&](const std::string& key) {
    for (const auto& [prop, raw] : rule.properties)
      if (key == raw || starts_with_path(key, raw))
        return true;
    return false;
  };
  for (const auto& [prop, raw] : rule.properties)
    for (const auto& a : attrs) {
      if (a.key == raw)
        ev.properties.push_back({prop, a.val});
      else if (starts_with_path(a.key, raw))
        ev.properties.push_back({prop + a.key.substr(raw.size()), a.val});
    }
  const std::size_t renames = ev.properties.size();
  for (auto& a : attrs) {
    if (a.key == rule.user_id || a.key == rule.anonymous_id || a.key == rule.type ||
        a.key == rule.timestamp || a.key == rule.session_id || a.key == rule.event_id ||
        renamed(a.key))
      continue;
    // A rename target wins over a raw field of the same name.
    bool shadowed = false;
    for (std::size_t i = 0; i < renames && !shadowed; ++i)
      shadowed = ev.properties[i].key == a.key;
    if (!shadowed)
      ev.properties.push_back(std::move(a));
  }
  return std::nullopt;
}

std::string no_rule_reason(const std::vector<mapping_rule>& rules) {
  std::string reason = "no mapping rule matches";
  if (rules.empty())
    return reason + " (no rules configured)";
  reason += " (tried";
  for (std::size_t i = 0; i < rules.size(); ++i)
    reason += (i ? ", " : " ") + rules[i].name;
  return reason + ")";
}

struct normalizer {
  const std::vector<mapping_rule>& rules;
  const decode_context& ctx;
  decoded_batch& out;

  // `raw` renders the record as JSON; it is only called for a rejection.
  template <class Raw>
  void operator()(std::size_t index, std::optional<attributes> attrs, std::string reason,
                  Raw raw) {
    if (attrs) {
      reason = no_rule_reason(rules);
      for (const auto& rule : rules) {
        if (!matches(rule, *attrs))
          continue;
        // Mapped in its place in the batch: moving an event copies each short field.
        auto& ev = out.events.emplace_back();
        auto why = apply(rule, std::move(*attrs), ctx, ev);
        if (!why)
          return;
        out.events.pop_back();
        reason = std::move(*why);
        break;
      }
    }
    out.rejected.push_back({index, std::move(reason), raw()});
  }
};

std::string too_big(std::size_t max) {
  return "record exceeds " + std::to_string(max) + " bytes";
}

result<decoded_batch> decode_json(const std::string& body, const std::vector<mapping_rule>& rules,
                                  const decode_context& ctx) {
  // One parser per thread: it keeps its buffers between bodies instead of reallocating.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(body).get(root))  // copies only without the padding
    return failure{400, std::string("malformed JSON: ") + simdjson::error_message(err)};
  decoded_batch out;
  simdjson::dom::array items;
  if (root.get_array().get(items) != simdjson::SUCCESS) {
    if (!root.is_object() || root["events"].get_array().get(items) != simdjson::SUCCESS)
      return failure{400, "body must be a JSON array of events or {\"events\": [...]}"};
    std::string_view key;
    if (root["writeKey"].get_string().get(key) == simdjson::SUCCESS)
      out.write_key = std::string(key);
  }
  // No single record can exceed the limit when the whole body does not.
  const bool check_size = body.size() > ctx.max_message_bytes;
  normalizer norm{rules, ctx, out};
  std::size_t index = 0;
  for (auto item : items) {
    const auto raw = [item] { return simdjson::minify(item); };
    const std::size_t i = index++;
    if (check_size && raw().size() > ctx.max_message_bytes) {
      norm(i, std::nullopt, too_big(ctx.max_message_bytes), raw);
    } else if (std::string_view line; item.get_string().get(line) == simdjson::SUCCESS) {
      norm(i, detail::parse_log_line(line), {}, raw);
    } else if (item.is_object()) {
      attributes attrs;
      std::string prefix;
      detail::flatten(item, prefix, attrs);
      norm(i, std::move(attrs), {}, raw);
    } else {
      norm(i, std::nullopt, "record must be an object or a log line string", raw);
    }
  }
  return out;
}

void write_json(json_writer& w, const msgpack::object& o) {
  switch (o.type) {
  case msgpack::type::NIL: w.null(); return;
  case msgpack::type::BOOLEAN: w.value(o.via.boolean); return;
  case msgpack::type::POSITIVE_INTEGER: w.value(static_cast<std::uint64_t>(o.via.u64)); return;
  case msgpack::type::NEGATIVE_INTEGER: w.value(static_cast<std::int64_t>(o.via.i64)); return;
  case msgpack::type::FLOAT32:
  case msgpack::type::FLOAT64: w.value(o.via.f64); return;
  case msgpack::type::STR: w.value(std::string_view(o.via.str.ptr, o.via.str.size)); return;
  case msgpack::type::BIN: w.value(std::string_view(o.via.bin.ptr, o.via.bin.size)); return;
  case msgpack::type::ARRAY:
    w.begin_array();
    for (std::uint32_t i = 0; i < o.via.array.size; ++i)
      write_json(w, o.via.array.ptr[i]);
    w.end_array();
    return;
  case msgpack::type::MAP: {
    w.begin_object();
    std::string k;
    for (std::uint32_t i = 0; i < o.via.map.size; ++i)
      if (detail::msgpack_key_text(o.via.map.ptr[i].key, k))
        write_json(w.key(k), o.via.map.ptr[i].val);
    w.end_object();
    return;
  }
  default: w.null(); return;  // EXT has no JSON form
  }
}

const msgpack::object* map_value(const msgpack::object& map, std::string_view key) {
  for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& k = map.via.map.ptr[i].key;
    if (k.type == msgpack::type::STR && std::string_view(k.via.str.ptr, k.via.str.size) == key)
      return &map.via.map.ptr[i].val;
  }
  return nullptr;
}

result<decoded_batch> decode_msgpack(std::string_view body,
                                     const std::vector<mapping_rule>& rules,
                                     const decode_context& ctx) {
  // msgpack-cxx allocates containers by their declared size before reading them, so a few
  // hostile bytes could claim billions of elements: no container may claim more elements
  // than the body has bytes.
  const std::size_t n = body.size();
  const msgpack::unpack_limit limit(n, n / 2, n, n, n, 1024);
  msgpack::object_handle handle;
  std::size_t offset = 0;
  try {
    msgpack::unpack(handle, body.data(), body.size(), offset, nullptr, nullptr, limit);
  } catch (const std::exception& e) {
    return failure{400, std::string("invalid msgpack: ") + e.what()};
  }
  if (offset != body.size())
    return failure{400, "invalid msgpack: trailing bytes after the first object"};

  decoded_batch out;
  const msgpack::object& root = handle.get();
  const msgpack::object* items = &root;
  if (root.type == msgpack::type::MAP) {
    items = map_value(root, "events");
    if (const auto* key = map_value(root, "writeKey"); key && key->type == msgpack::type::STR)
      out.write_key.assign(key->via.str.ptr, key->via.str.size);
  }
  if (!items || items->type != msgpack::type::ARRAY)
    return failure{400, "body must be a msgpack array of events or {\"events\": [...]}"};

  const bool check_size = body.size() > ctx.max_message_bytes;
  normalizer norm{rules, ctx, out};
  for (std::uint32_t i = 0; i < items->via.array.size; ++i) {
    const msgpack::object& item = items->via.array.ptr[i];
    const auto raw = [&item] {
      json_writer w;
      write_json(w, item);
      return w.take();
    };
    if (check_size) {
      msgpack::sbuffer packed;
      msgpack::pack(packed, item);
      if (packed.size() > ctx.max_message_bytes) {
        norm(i, std::nullopt, too_big(ctx.max_message_bytes), raw);
        continue;
      }
    }
    if (item.type == msgpack::type::STR) {
      norm(i, detail::parse_log_line({item.via.str.ptr, item.via.str.size}), {}, raw);
    } else if (item.type == msgpack::type::MAP) {
      attributes attrs;
      std::string prefix;
      detail::flatten(item, prefix, attrs);
      norm(i, std::move(attrs), {}, raw);
    } else {
      norm(i, std::nullopt, "record must be a map or a log line string", raw);
    }
  }
  return out;
}

mapping_rule make_rule(std::string name, std::vector<std::string> when) {
  mapping_rule r;
  r.name = std::move(name);
  r.when = std::move(when);
  return r;
}

} // namespace

result<decoded_batch> decode_native(const std::string& body, native_format format,
                                    const std::vector<mapping_rule>& rules,
                                    const decode_context& ctx) {
  static const event_types default_types;
  decode_context c = ctx;
  if (!c.types)
    c.types = &default_types;
  return format == native_format::msgpack ? decode_msgpack(body, rules, c)
                                          : decode_json(body, rules, c);
}

const std::vector<mapping_rule>& default_mappings() {
  static const std::vector<mapping_rule> rules = [] {
    // Mobile first: a touch record may carry other keys a web rule would also accept.
    mapping_rule mobile = make_rule("mobile", {"touch_coordinates"});
    mobile.type = "action";
    mobile.session_id = "session_id";
    mobile.event_id = "event_id";
    mobile.properties = {{"x", "touch_coordinates.x"}, {"y", "touch_coordinates.y"}};

    mapping_rule web = make_rule("web", {"event_type"});
    web.type = "event_type";
    web.session_id = "session_id";
    web.event_id = "event_id";

    mapping_rule log = make_rule("server_log", {"log_line"});
    log.user_id = "user";
    log.type = "event";
    log.timestamp = "time";
    log.unit = time_unit::iso8601;
    log.session_id = "session";
    log.event_id = "id";
    return std::vector<mapping_rule>{mobile, web, log};
  }();
  return rules;
}

} // namespace cohort::codecs
