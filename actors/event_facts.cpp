#include "actors/event_facts.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "actors/stable_hash.hpp"

namespace cohort::actors {

// A literal compared as a view: lengths first, and no strlen per compare.
using namespace std::string_view_literals;

namespace {

// An attribute's text without copying it: a string's own bytes, or a number written into
// `scratch` (numeric product ids). Empty when missing or of another kind. facts_of reads
// up to ten keys per event, and analytics.js sends a user agent and page URLs longer than
// a short string's inline buffer: a copy of each would allocate.
std::string_view text_at(const codecs::attributes& attrs, std::string_view key,
                         std::string& scratch) {
  const auto* v = codecs::find(attrs, key);
  if (v == nullptr)
    return {};
  if (v->type == codecs::value::kind::string)
    return v->text;
  if (v->type == codecs::value::kind::number) {
    auto n = static_cast<long long>(v->number);
    scratch = static_cast<double>(n) == v->number ? std::to_string(n) : std::to_string(v->number);
    return scratch;
  }
  return {};
}

std::optional<double> number_at(const codecs::attributes& attrs, std::string_view key) {
  const auto* v = codecs::find(attrs, key);
  if (v == nullptr)
    return std::nullopt;
  if (v->type == codecs::value::kind::number)
    return v->number;
  if (v->type == codecs::value::kind::string) {
    char* end = nullptr;
    double d = std::strtod(v->text.c_str(), &end);
    if (end != v->text.c_str() && *end == '\0')
      return d;
  }
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string device_of(const codecs::event& ev, std::string& scratch) {
  const auto type = lower(text_at(ev.context, "device.type", scratch));  // short: no allocation
  if (type == "ios"sv || type == "android"sv || type == "mobile"sv || type == "phone"sv)
    return "mobile";
  if (type == "tablet"sv || type == "ipad"sv)
    return "tablet";
  if (type == "desktop"sv || type == "pc"sv || type == "web"sv)
    return "desktop";
  const auto agent = text_at(ev.context, "userAgent", scratch);
  if (agent.empty())
    return {};
  if (contains(agent, "iPad") || contains(agent, "Tablet"))
    return "tablet";
  if (contains(agent, "Mobi") || contains(agent, "iPhone") || contains(agent, "Android"))
    return "mobile";
  return "desktop";
}

std::string host_of(std::string_view url) {
  auto start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  auto host = url.substr(start);
  host = host.substr(0, host.find_first_of("/:?#"));
  if (host.substr(0, 4) == "www."sv)
    host.remove_prefix(4);
  return lower(host);
}

std::string source_of(const codecs::event& ev, std::string& scratch) {
  if (auto s = text_at(ev.context, "campaign.source", scratch); !s.empty())
    return lower(s);
  if (auto s = text_at(ev.properties, "utm_source", scratch); !s.empty())
    return lower(s);
  if (auto r = text_at(ev.context, "page.referrer", scratch); !r.empty())
    return host_of(r);
  if (auto r = text_at(ev.properties, "referrer", scratch); !r.empty())
    return host_of(r);
  return {};
}

// The hash of the viewed path (see facts_of); a view without any path still counts as one
// distinct page, its name standing in.
std::uint64_t path_hash_of(const codecs::event& ev, std::string& scratch) {
  for (auto [attrs, key] : {std::pair{&ev.properties, "path"sv},
                            std::pair{&ev.context, "page.path"sv},
                            std::pair{&ev.properties, "url"sv}})
    if (auto p = text_at(*attrs, key, scratch); !p.empty())
      return stable_hash(p) | 1;
  if (ev.type == "product_view"sv)
    if (auto id = text_at(ev.properties, "product_id", scratch); !id.empty())
      return stable_hash("product:" + std::string(id)) | 1;
  return stable_hash("name:" + ev.name) | 1;
}

} // namespace

event_facts facts_of(const codecs::event& ev) {
  event_facts f;
  std::string scratch;
  f.view = ev.type == "page_view"sv || ev.type == "product_view"sv;
  if (f.view)
    f.path_hash = path_hash_of(ev, scratch);
  f.duration_s = number_at(ev.properties, "duration");
  f.scroll_depth = number_at(ev.properties, "scroll_depth");
  f.device = device_of(ev, scratch);
  f.source = source_of(ev, scratch);
  return f;
}

} // namespace cohort::actors
