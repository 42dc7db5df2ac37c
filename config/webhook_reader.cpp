#include "config/webhook_reader.hpp"

#include <algorithm>

#include "codecs/base64.hpp"

namespace cohort::config {

namespace {

constexpr std::string_view secret_prefix = "whsec_";

void read_url(yaml_reader& r, const field& f, std::string& out) {
  std::string url;
  if (!r.read_nonempty_string(f, url)) return;
  if (!split_webhook_url(url)) {
    r.fail(f, "expected an http[s]://host[:port]/path URL, got " + describe(f.node));
    return;
  }
  out = std::move(url);
}

void read_events(yaml_reader& r, const field& f, std::vector<std::string>& out) {
  std::vector<std::string> events;
  if (!r.read_string_list(f, events)) return;
  if (events.empty()) {
    r.fail(f, "expected at least one of " + join(webhook_event_names()));
    return;
  }
  for (const auto& e : events) {
    const auto& names = webhook_event_names();
    if (std::find(names.begin(), names.end(), e) == names.end()) {
      r.fail(f, "unknown event '" + e + "', expected one of " + join(names));
      return;
    }
  }
  out = std::move(events);
}

/// Never quotes the value: a typo in a secret must not print the secret.
void read_secret(yaml_reader& r, const field& f, std::string& out) {
  if (!f.node.IsScalar()) {
    r.fail(f, "expected whsec_ followed by base64, got " + describe(f.node));
    return;
  }
  const std::string& text = f.node.Scalar();
  if (text.rfind(secret_prefix, 0) != 0) {
    r.fail(f, "expected a secret starting with whsec_ (Standard Webhooks), value not shown");
    return;
  }
  const auto key = codecs::base64_decode(std::string_view(text).substr(secret_prefix.size()));
  if (!key || key->size() < 24 || key->size() > 64) {
    r.fail(f, "expected whsec_ followed by the base64 of 24 to 64 bytes, value not shown");
    return;
  }
  out = text;
}

void read_count(yaml_reader& r, const field& f, std::size_t low, std::size_t high,
                std::size_t& out) {
  int value = 0;
  if (!r.read_int(f, value)) return;
  if (value < 0 || static_cast<std::size_t>(value) < low || static_cast<std::size_t>(value) > high) {
    r.fail(f, "must be between " + std::to_string(low) + " and " + std::to_string(high) +
                  ", got " + std::to_string(value));
    return;
  }
  out = static_cast<std::size_t>(value);
}

void read_webhook(yaml_reader& r, const field& f, std::vector<webhook_config>& out) {
  webhook_config hook;
  hook.line = f.line;
  hook.column = f.column;
  const auto errors_before = r.error_count();
  const auto present = r.read_keys(f, {
      {"url", [&](const field& v) { read_url(r, v, hook.url); }},
      {"events", [&](const field& v) { read_events(r, v, hook.events); }},
      {"secret", [&](const field& v) { read_secret(r, v, hook.secret); }},
      {"ca_file", [&](const field& v) { r.read_readable_file(v, hook.ca_file); }},
      {"timeout", [&](const field& v) { r.read_duration(v, hook.timeout, false); }},
      {"max_in_flight", [&](const field& v) { read_count(r, v, 1, 1024, hook.max_in_flight); }},
      {"max_queued", [&](const field& v) { read_count(r, v, 1, 100000000, hook.max_queued); }},
      {"max_attempts", [&](const field& v) { read_count(r, v, 0, 1000000, hook.max_attempts); }},
      {"backoff_initial", [&](const field& v) { r.read_duration(v, hook.backoff_initial, false); }},
      {"backoff_max", [&](const field& v) { r.read_duration(v, hook.backoff_max, false); }},
      {"breaker_failures",
       [&](const field& v) { read_count(r, v, 1, 1000000, hook.breaker_failures); }},
      {"breaker_open_for",
       [&](const field& v) { r.read_duration(v, hook.breaker_open_for, false); }},
  });
  if (!f.node.IsMap()) return;
  r.require(f, present, "url");
  r.require(f, present, "events");
  r.require(f, present, "secret");
  if (hook.backoff_max < hook.backoff_initial)
    r.fail(present.count("backoff_max") != 0 ? present.at("backoff_max") : f,
           "must be at least backoff_initial");
  for (const auto& other : out)
    if (!hook.url.empty() && other.url == hook.url)
      r.fail(present.at("url"), "the same URL is listed twice (one queue per URL)");
  if (r.error_count() == errors_before) out.push_back(std::move(hook));
}

} // namespace

std::optional<webhook_url> split_webhook_url(const std::string& url) {
  webhook_url out;
  std::string_view rest = url;
  if (rest.rfind("https://", 0) == 0) {
    out.tls = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto slash = rest.find_first_of("/?");
  const auto authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?')
    out.target.insert(0, "/");
  std::string host_port(authority);
  const auto bracket = host_port.rfind(']');  // an IPv6 host's colons are not the port's
  const auto host_end = bracket == std::string::npos ? 0 : bracket + 1;
  if (host_port.find(':', host_end) == std::string::npos)
    host_port += out.tls ? ":443" : ":80";
  unsigned short port = 0;
  if (!parse_host_port(host_port, out.host, port) || port == 0)
    return std::nullopt;
  out.port = std::to_string(port);
  return out;
}

const std::vector<std::string>& webhook_event_names() {
  static const std::vector<std::string> names = {"segment_change", "tags_change",
                                                 "profile_merged", "profile_unmerged"};
  return names;
}

void read_webhooks(yaml_reader& r, const field& f, std::vector<webhook_config>& out) {
  r.read_items(f, [&](const field& item) { read_webhook(r, item, out); });
}

} // namespace cohort::config
