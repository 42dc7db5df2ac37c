// The console's view of live session actors: /admin/api/actors (paged list),
// /admin/api/actors/{userId} (one profile with its mailbox depth) and
// /admin/api/segments (segment sizes and tag counts, with a short history).

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>

#include <caf/actor_system.hpp>

#include "actors/directory_actor.hpp"
#include "actors/messages.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "api/admin_guard.hpp"
#include "api/ask.hpp"
#include "api/ask_each.hpp"
#include "api/console_api.hpp"
#include "http/http_router.hpp"
#include "api/profile_json.hpp"
#include "api/query_failure.hpp"
#include "api/services.hpp"

namespace cohort::api {

using namespace cohort::http;
using namespace cohort::storage;

namespace {

constexpr std::string_view actor_prefix = "/admin/api/actors/";
constexpr std::uint32_t default_page = 50;
constexpr std::uint32_t max_page = 1000;
/// Segment sizes are counted over at most this many live actors (a summary request
/// each), so that the console's poll stays cheap on a node with millions of users.
constexpr std::uint32_t segment_sample = 10000;

using keyed_summaries = std::vector<std::pair<std::string, actors::profile_summary>>;

/// Live keys containing `filter` after `after`, sorted, at most `limit`, over every owner.
void list_live(services& svc, const std::string& filter, const std::string& after,
               std::uint32_t limit,
               std::function<void(caf::expected<std::vector<std::string>>)> done) {
  ask<std::vector<std::string>>(svc.system, svc.locator, console_timeout(svc), std::move(done),
                                actors::list_atom::value, filter, after, limit);
}

/// The summary of each key; keys whose actor stopped meanwhile are left out.
void summaries_of(services& svc, std::vector<std::string> keys,
                  std::function<void(keyed_summaries)> done) {
  ask_each<actors::profile_summary>(
    svc.system, svc.locator, keys, console_timeout(svc),
    [keys, done](std::vector<std::optional<actors::profile_summary>> replies) {
      keyed_summaries out;
      for (std::size_t i = 0; i < keys.size(); ++i)
        if (replies[i])
          out.emplace_back(keys[i], std::move(*replies[i]));
      done(std::move(out));
    },
    actors::summary_atom::value);
}

/// A positive integer query parameter, clamped to `max`; nullopt when malformed.
std::optional<std::uint32_t> page_limit(const http_request& req) {
  auto text = req.param("limit");
  if (text.empty())
    return default_page;
  if (text.find_first_not_of("0123456789") != std::string::npos || text.size() > 9)
    return std::nullopt;
  auto n = std::stoul(text);
  if (n == 0)
    return std::nullopt;
  return static_cast<std::uint32_t>(std::min<unsigned long>(n, max_page));
}

std::string actors_json(const keyed_summaries& page, const std::string& next) {
  codecs::json_writer w;
  w.begin_object().key("actors").begin_array();
  for (const auto& [key, s] : page) {
    w.begin_object().key("userId").value(key).key("segment").value(s.segment);
    w.key("score").value(s.score).key("tags").begin_array();
    for (const auto& t : s.tags)
      w.value(t);
    w.end_array().key("events").value(s.events);
    w.key("lastSeen").value(s.last_seen_ms > 0 ? codecs::format_iso8601(s.last_seen_ms) : "");
    w.key("mailboxDepth").value(s.mailbox_depth).end_object();
  }
  w.end_array().key("next");
  if (next.empty())
    w.null();
  else
    w.value(next);
  w.end_object();
  return w.take();
}

void list_actors(services& svc, http_request&& req, respond_fn respond) {
  auto limit = page_limit(req);
  if (!limit) {
    respond(error_response(400, "limit must be a positive integer"));
    return;
  }
  list_live(svc, req.param("filter"), req.param("after"), *limit,
            [&svc, respond, limit](caf::expected<std::vector<std::string>> keys) {
              if (!keys) {
                respond(error_response(503, "actor list unavailable: "
                                              + svc.system.render(keys.error())));
                return;
              }
              // A full page may have more behind it; its last key is the cursor.
              auto next = keys->size() == *limit ? keys->back() : std::string{};
              summaries_of(svc, std::move(*keys), [respond, next](keyed_summaries page) {
                respond(json_response(actors_json(page, next)));
              });
            });
}

/// profile_json() with "mailboxDepth" added as its last field.
std::string with_mailbox_depth(std::string profile, std::uint64_t depth) {
  profile.pop_back();  // the closing brace of the profile object
  return profile + ",\"mailboxDepth\":" + std::to_string(depth) + "}";
}

void one_actor(services& svc, http_request&& req, respond_fn respond) {
  auto user = percent_decode(std::string_view(req.path).substr(actor_prefix.size()));
  if (user.empty()) {
    respond(error_response(400, "missing userId in /admin/api/actors/{userId}"));
    return;
  }
  ask<actors::profile>(
    svc.system, svc.locator, console_timeout(svc),
    [&svc, user, respond](caf::expected<actors::profile> p) {
      if (!p) {
        respond(query_failure(svc, p.error(), "actor", user));
        return;
      }
      auto body = profile_json(*p);
      ask<actors::profile_summary>(
        svc.system, svc.locator, console_timeout(svc),
        [body, respond](caf::expected<actors::profile_summary> s) {
          respond(json_response(with_mailbox_depth(body, s ? s->mailbox_depth : 0)));
        },
        actors::summary_atom::value, user);
    },
    actors::profile_atom::value, user);
}

/// Segment sizes at one moment, for the console's chart.
struct segment_point {
  std::int64_t at_ms = 0;
  std::map<std::string, std::uint64_t> counts;
};

/// The last hour of segment sizes, sampled when the console asks (at most every 2 s),
/// so that a console opened later still shows a chart and no timer runs without one.
class segment_history {
public:
  std::vector<segment_point> record(segment_point p) {
    std::lock_guard<std::mutex> guard{mutex_};
    if (points_.empty() || p.at_ms - points_.back().at_ms >= min_gap_ms)
      points_.push_back(std::move(p));
    while (points_.size() > max_points)
      points_.pop_front();
    return {points_.begin(), points_.end()};
  }

private:
  static constexpr std::int64_t min_gap_ms = 2000;
  static constexpr std::size_t max_points = 1800;
  std::mutex mutex_;
  std::deque<segment_point> points_;
};

/// Names in rule order first (so that empty segments show), then any others seen.
std::vector<std::string> ordered_names(std::vector<std::string> known,
                                       const std::map<std::string, std::uint64_t>& seen) {
  for (const auto& entry : seen)
    if (std::find(known.begin(), known.end(), entry.first) == known.end())
      known.push_back(entry.first);
  return known;
}

struct segment_tally {
  std::map<std::string, std::uint64_t> segments;
  std::map<std::string, double> score_sums;
  std::map<std::string, std::uint64_t> tags;
};

segment_tally tally(const keyed_summaries& sample) {
  segment_tally t;
  for (const auto& [key, s] : sample) {
    ++t.segments[s.segment];
    t.score_sums[s.segment] += s.score;
    for (const auto& tag : s.tags)
      ++t.tags[tag];
  }
  return t;
}

std::string segments_json(const services& svc, std::uint64_t live, std::size_t sampled,
                          const segment_tally& t, const std::vector<segment_point>& history) {
  auto model = svc.model->get();
  auto segment_names = model->rules->segment_names();
  segment_names.push_back("default");
  codecs::json_writer w;
  w.begin_object().key("at").value(codecs::format_iso8601(codecs::now_ms()));
  w.key("live").value(live).key("sampled").value(std::uint64_t{sampled});
  w.key("exact").value(sampled >= live).key("segments").begin_array();
  for (const auto& name : ordered_names(segment_names, t.segments)) {
    auto it = t.segments.find(name);
    auto n = it == t.segments.end() ? 0 : it->second;
    w.begin_object().key("name").value(name).key("count").value(n);
    w.key("avgScore").value(n ? t.score_sums.at(name) / static_cast<double>(n) : 0.0);
    w.end_object();
  }
  w.end_array().key("tags").begin_array();
  for (const auto& name : ordered_names(model->rules->tag_names(), t.tags)) {
    auto it = t.tags.find(name);
    w.begin_object().key("name").value(name);
    w.key("count").value(it == t.tags.end() ? std::uint64_t{0} : it->second).end_object();
  }
  w.end_array().key("history").begin_array();
  for (const auto& p : history) {
    w.begin_object().key("atMs").value(p.at_ms).key("counts").begin_object();
    for (const auto& [name, n] : p.counts)
      w.key(name).value(n);
    w.end_object().end_object();
  }
  w.end_array().end_object();
  return w.take();
}

void segments(services& svc, std::shared_ptr<segment_history> history, respond_fn respond) {
  ask<std::vector<actors::directory_stats>>(
    svc.system, svc.locator, console_timeout(svc),
    [&svc, history, respond](caf::expected<std::vector<actors::directory_stats>> stats) {
      if (!stats) {
        respond(error_response(503, "segments unavailable: " + svc.system.render(stats.error())));
        return;
      }
      std::uint64_t live = 0;
      for (const auto& s : *stats)
        live += s.live;
      list_live(svc, "", "", segment_sample,
                [&svc, history, respond, live](caf::expected<std::vector<std::string>> keys) {
                  if (!keys) {
                    respond(error_response(503, "segments unavailable: "
                                                  + svc.system.render(keys.error())));
                    return;
                  }
                  summaries_of(svc, std::move(*keys),
                               [&svc, history, respond, live](keyed_summaries sample) {
                                 auto t = tally(sample);
                                 auto points = history->record({codecs::now_ms(), t.segments});
                                 respond(json_response(
                                   segments_json(svc, live, sample.size(), t, points)));
                               });
                });
    },
    actors::stats_atom::value);
}

} // namespace

void add_actors_api(http_router& router, services& svc) {
  const auto& token = svc.cfg.admin.token;
  router.add("GET", "/admin/api/actors", admin_guarded(token, [&svc](http_request&& r, respond_fn f) {
               list_actors(svc, std::move(r), std::move(f));
             }));
  router.add_prefix("GET", std::string(actor_prefix),
                    admin_guarded(token, [&svc](http_request&& r, respond_fn f) {
                      one_actor(svc, std::move(r), std::move(f));
                    }));
  auto history = std::make_shared<segment_history>();
  router.add("GET", "/admin/api/segments",
             admin_guarded(token, [&svc, history](http_request&&, respond_fn f) {
               segments(svc, history, std::move(f));
             }));
}

} // namespace cohort::api
