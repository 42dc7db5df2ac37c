#include "actors/event_facts.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "actors/stable_hash.hpp"

namespace cohort::actors {

// A literal compared as a view: lengths first, and no strlen per compare.
using namespace std::string_view_literals;

namespace {

std::string text_at(const codecs::attributes& attrs, std::string_view key) {
  const auto* v = codecs::find(attrs, key);
  if (v == nullptr)
    return {};
  if (v->type == codecs::value::kind::string)
    return v->text;
  if (v->type == codecs::value::kind::number) {
    auto n = static_cast<long long>(v->number);
    return static_cast<double>(n) == v->number ? std::to_string(n) : std::to_string(v->number);
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

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string device_of(const codecs::event& ev) {
  auto type = lower(text_at(ev.context, "device.type"));
  if (type == "ios"sv || type == "android"sv || type == "mobile"sv || type == "phone"sv)
    return "mobile";
  if (type == "tablet"sv || type == "ipad"sv)
    return "tablet";
  if (type == "desktop"sv || type == "pc"sv || type == "web"sv)
    return "desktop";
  auto agent = text_at(ev.context, "userAgent");
  if (agent.empty())
    return {};
  if (contains(agent, "iPad") || contains(agent, "Tablet"))
    return "tablet";
  if (contains(agent, "Mobi") || contains(agent, "iPhone") || contains(agent, "Android"))
    return "mobile";
  return "desktop";
}

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find_first_of("/:?#", start);
  auto host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (host.rfind("www.", 0) == 0)
    host.erase(0, 4);
  return lower(host);
}

std::string source_of(const codecs::event& ev) {
  if (auto s = text_at(ev.context, "campaign.source"); !s.empty())
    return lower(s);
  if (auto s = text_at(ev.properties, "utm_source"); !s.empty())
    return lower(s);
  if (auto r = text_at(ev.context, "page.referrer"); !r.empty())
    return host_of(r);
  if (auto r = text_at(ev.properties, "referrer"); !r.empty())
    return host_of(r);
  return {};
}

std::string path_of(const codecs::event& ev) {
  if (auto p = text_at(ev.properties, "path"); !p.empty())
    return p;
  if (auto p = text_at(ev.context, "page.path"); !p.empty())
    return p;
  if (auto p = text_at(ev.properties, "url"); !p.empty())
    return p;
  if (ev.type == "product_view"sv)
    if (auto id = text_at(ev.properties, "product_id"); !id.empty())
      return "product:" + id;
  return {};
}

} // namespace

event_facts facts_of(const codecs::event& ev) {
  event_facts f;
  f.view = ev.type == "page_view"sv || ev.type == "product_view"sv;
  if (f.view) {
    auto path = path_of(ev);
    // A view without any path still counts as one distinct page (its name stands in).
    f.path_hash = stable_hash(path.empty() ? "name:" + ev.name : path) | 1;
  }
  f.duration_s = number_at(ev.properties, "duration");
  f.scroll_depth = number_at(ev.properties, "scroll_depth");
  f.device = device_of(ev);
  f.source = source_of(ev);
  return f;
}

} // namespace cohort::actors
