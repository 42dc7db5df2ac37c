#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "actors/score_model.hpp"

namespace cohort::actors {

/// One identifier known for a profile and how it became linked.
struct identity {
  std::string kind;  ///< userId | anonymousId
  std::string id;
  std::string link;  ///< first | event | identify | alias | probabilistic
  double confidence = 1;  ///< Of the link (below 1 only for probabilistic ones); not stored.
  bool operator==(const identity& o) const { return kind == o.kind && id == o.id; }
  MSGPACK_DEFINE(kind, id, link)
};

/// The user's current session, as the profile shows it.
struct session_view {
  std::string id;  ///< "s-<start ms>": stable until a late event merges sessions.
  std::int64_t started_ms = 0;
  std::int64_t last_event_ms = 0;
  std::uint64_t events = 0;
};

/// A copy of one user's live state, answered to queries (`/v1/profiles`, console).
struct profile {
  std::string user_id;     ///< The user key the state is stored under.
  std::string profile_id;  ///< The profile's key: its first identity, kept across merges.
  std::string segment;
  double score = 0;
  std::vector<score_term> breakdown;
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, double>> features;       ///< Numeric and boolean ones.
  std::vector<std::pair<std::string, std::string>> text_features;  ///< device, source.
  session_view session;
  std::uint64_t model_version = 0;
  std::string model_kind;  ///< The score model: weighted | tree.
  std::map<std::string, std::uint64_t> event_counts;  ///< Applied events by canonical type.
  std::uint64_t events = 0;      ///< Applied events in total.
  std::uint64_t duplicates = 0;  ///< Events recognised as retries and not applied again.
  std::uint64_t late = 0;        ///< Events refused as later than allowed lateness.
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;  ///< Latest event time.
  std::int64_t updated_ms = 0;    ///< When the state last changed (receive time).
  std::vector<identity> identities;
  std::vector<codecs::event> recent;  ///< Newest last, at most sessions.recent_events.
};

/// What the decision API needs of a user: far cheaper to copy than a whole profile.
struct profile_summary {
  std::string segment;
  double score = 0;
  std::vector<std::string> tags;
  std::uint64_t events = 0;         ///< Applied events.
  std::int64_t last_seen_ms = 0;    ///< Latest event time.
  std::uint64_t mailbox_depth = 0;  ///< Messages waiting in the session actor's mailbox.
  std::vector<double> features;     ///< Numeric feature values (config::feature order).
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, profile_summary& x) {
  return f(caf::meta::type_name("cohort.profile_summary"), x.segment, x.score, x.tags,
           x.events, x.last_seen_ms, x.mailbox_depth, x.features);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, identity& x) {
  return f(caf::meta::type_name("cohort.identity"), x.kind, x.id, x.link, x.confidence);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, score_term& x) {
  return f(caf::meta::type_name("cohort.score_term"), x.feature, x.weight, x.value,
           x.normalized, x.contribution);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_view& x) {
  return f(caf::meta::type_name("cohort.session_view"), x.id, x.started_ms, x.last_event_ms,
           x.events);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, profile& x) {
  return f(caf::meta::type_name("cohort.profile"), x.user_id, x.profile_id, x.segment, x.score,
           x.breakdown, x.tags, x.features, x.text_features, x.session, x.model_version,
           x.model_kind, x.event_counts, x.events, x.duplicates, x.late, x.first_seen_ms,
           x.last_seen_ms, x.updated_ms, x.identities, x.recent);
}

} // namespace cohort::actors
