#include "actors/identity_graph.hpp"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <mutex>
#include <string_view>

#include "actors/stable_hash.hpp"
#include "codecs/hex.hpp"

namespace cohort::actors {

// A literal compared as a view: lengths first, and no strlen per compare.
using namespace std::string_view_literals;

namespace {

constexpr std::size_t kept_refusals = 1000;
constexpr std::size_t max_signals = 1 << 20;  // evidence entries; oldest go first past it
constexpr char separator = '\x1f';

const std::string profile_prefix = "p/";
const std::string blocked_prefix = "b/";
const std::string refusal_prefix = "r/";
const std::string signal_prefix = "s/";

std::string pack(const profile_record& rec) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, rec);
  return {buf.data(), buf.size()};
}

std::string refusal_key(std::uint64_t seq) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020" PRIu64, seq);
  return refusal_prefix + digits;
}

std::pair<std::string, std::string> ordered(const std::string& a, const std::string& b) {
  return a < b ? std::pair{a, b} : std::pair{b, a};
}

std::string normalized_email(const std::string& raw) {
  std::string out;
  for (unsigned char c : raw)
    if (!std::isspace(c))
      out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

/// The value at a dotted path ("context.device.id") of an event, as text; "" if absent.
std::string field_text(const codecs::event& ev, const std::string& path) {
  auto dot = path.find('.');
  auto head = path.substr(0, dot);
  auto rest = path.substr(dot + 1);
  const auto& attrs = head == "context"sv ? ev.context
                      : head == "traits"sv ? ev.traits
                                         : ev.properties;
  const auto* v = codecs::find(attrs, rest);
  if (v == nullptr)
    return {};
  if (v->type == codecs::value::kind::string)
    return v->text;
  if (v->type == codecs::value::kind::number)
    return std::to_string(v->number);
  return {};
}

std::string signal_key(std::uint64_t hash) {
  return signal_prefix + codecs::hex(hash, 16);
}

template <class T>
T unpack_as(const std::string& bytes) {
  auto handle = msgpack::unpack(bytes.data(), bytes.size());
  return handle.get().as<T>();
}

} // namespace

std::vector<std::pair<std::string, std::string>> identities_of(const codecs::event& ev) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!ev.user_id.empty())
    out.emplace_back("userId", ev.user_id);
  if (!ev.anonymous_id.empty())
    out.emplace_back("anonymousId", ev.anonymous_id);
  if (ev.call == "identify"sv) {
    const auto* email = codecs::find(ev.traits, "email");
    if (email != nullptr && email->type == codecs::value::kind::string) {
      auto norm = normalized_email(email->text);
      if (!norm.empty())
        out.emplace_back("email", "email:" + codecs::hex(stable_hash(norm), 16));
    }
  }
  if (ev.call == "alias"sv && !ev.previous_id.empty())
    out.emplace_back("previousId", ev.previous_id);
  return out;
}

identity_graph::identity_graph(config::identity_config options, evidence_storage evidence)
  : options_(std::move(options)), evidence_(evidence) {
}

result<bool> identity_graph::load(const keyed_writes& records) {
  std::unique_lock lock{mutex_};
  records_.clear();
  index_.clear();
  blocked_.clear();
  refusals_.clear();
  signals_.clear();
  signal_order_.clear();
  writes_.clear();
  for (const auto& [key, bytes] : records) {
    if (!bytes)
      continue;
    try {
      apply_locked(key, bytes);
    } catch (const std::exception& e) {  // msgpack and stoull errors alike
      return failure{500, "identity record '" + key + "' is unreadable: " + e.what()};
    }
  }
  // Expiry walks the evidence oldest first; the store holds it in key (hash) order.
  std::sort(signal_order_.begin(), signal_order_.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  writes_.clear();  // install() queued puts of what is already stored
  return true;
}

result<bool> identity_graph::apply(const keyed_writes& records) {
  std::unique_lock lock{mutex_};
  for (const auto& [key, bytes] : records) {
    try {
      apply_locked(key, bytes);
    } catch (const std::exception& e) {
      writes_.clear();
      return failure{500, "identity record '" + key + "' is unreadable: " + e.what()};
    }
  }
  writes_.clear();  // a replica stores nothing: the log is its store
  return true;
}

void identity_graph::apply_locked(const std::string& key, const std::optional<std::string>& bytes) {
  if (key.rfind(profile_prefix, 0) == 0) {
    // The profile's identities may have moved elsewhere since: only entries that still
    // point at it go with its old record.
    auto profile = key.substr(profile_prefix.size());
    if (auto old = records_.find(profile); old != records_.end()) {
      for (const auto& x : old->second.identities)
        if (auto it = index_.find(x.id); it != index_.end() && it->second == profile)
          index_.erase(it);
      records_.erase(old);
    }
    if (bytes)
      install(unpack_as<profile_record>(*bytes));
  } else if (key.rfind(blocked_prefix, 0) == 0) {
    auto pair = key.substr(blocked_prefix.size());
    auto cut = pair.find(separator);
    auto entry = ordered(pair.substr(0, cut), pair.substr(cut + 1));
    if (bytes)
      blocked_.insert(entry);
    else
      blocked_.erase(entry);
  } else if (key.rfind(signal_prefix, 0) == 0) {
    auto hash = std::stoull(key.substr(signal_prefix.size()), nullptr, 16);
    if (!bytes) {
      signals_.erase(hash);
      return;
    }
    auto [it, fresh] = signals_.insert_or_assign(hash, unpack_as<signal>(*bytes));
    if (fresh)
      signal_order_.emplace_back(hash, it->second.seen_ms);
  } else if (key.rfind(refusal_prefix, 0) == 0 && bytes) {
    refusals_.push_back(unpack_as<identity_refusal>(*bytes));
    if (refusals_.size() > kept_refusals)
      refusals_.pop_front();
    refusal_seq_ = std::max<std::uint64_t>(refusal_seq_,
                                           std::stoull(key.substr(refusal_prefix.size())));
  }
}

keyed_writes identity_graph::take_writes() {
  std::unique_lock lock{mutex_};
  return std::exchange(writes_, {});
}

std::string identity_graph::profile_locked(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? id : it->second;
}

std::string identity_graph::origin_locked(const std::string& id) const {
  auto rec = records_.find(profile_locked(id));
  if (rec == records_.end())
    return id;
  for (const auto& x : rec->second.identities)
    if (x.id == id)
      return x.origin;
  return id;
}

std::string identity_graph::profile_of(const std::string& id) const {
  std::shared_lock lock{mutex_};
  return profile_locked(id);
}

std::optional<profile_record> identity_graph::record_of(const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = records_.find(profile_locked(id));
  if (it == records_.end())
    return std::nullopt;
  return it->second;
}

std::vector<identity_refusal> identity_graph::refusals() const {
  std::shared_lock lock{mutex_};
  return {refusals_.begin(), refusals_.end()};
}

identity_stats identity_graph::stats() const {
  std::shared_lock lock{mutex_};
  auto s = stats_;
  s.linked_profiles = records_.size();
  s.signals = signals_.size();
  return s;
}

void identity_graph::put_record(const std::string& profile) {
  writes_.emplace_back(profile_prefix + profile, pack(records_.at(profile)));
}

void identity_graph::drop_record(const std::string& profile) {
  writes_.emplace_back(profile_prefix + profile, std::nullopt);
}

void identity_graph::install(profile_record record) {
  auto id = record.id;
  if (record.identities.size() <= 1 && record.edges.empty()) {
    // A single identity needs no record: its profile id is the identity itself.
    for (const auto& x : record.identities)
      index_.erase(x.id);
    if (records_.erase(id) > 0 || !record.identities.empty())
      drop_record(id);
    return;
  }
  for (const auto& x : record.identities)
    index_[x.id] = id;
  records_[id] = std::move(record);
  put_record(id);
}

profile_record identity_graph::take_record(const std::string& profile, const std::string& kind,
                                           std::int64_t at_ms) {
  auto it = records_.find(profile);
  if (it == records_.end())
    return profile_record{profile, {{kind, profile, profile, "first", 1, at_ms}}, {}};
  auto rec = std::move(it->second);
  records_.erase(it);
  return rec;
}

std::size_t identity_graph::identity_count(const std::string& profile) const {
  auto it = records_.find(profile);
  return it == records_.end() ? 1 : it->second.identities.size();
}

std::set<std::string> identity_graph::user_ids(const std::string& profile,
                                               const std::string& kind) const {
  std::set<std::string> out;
  auto it = records_.find(profile);
  if (it == records_.end()) {
    if (kind == "userId"sv)
      out.insert(profile);
    return out;
  }
  for (const auto& x : it->second.identities)
    if (x.kind == "userId"sv)
      out.insert(x.id);
  return out;
}

std::optional<std::string> identity_graph::refusal_reason(
  const std::string& survivor, const std::string& survivor_kind, const std::string& absorbed,
  const std::string& absorbed_kind, const std::string& link) const {
  auto total = identity_count(survivor) + identity_count(absorbed);
  if (total > options_.max_identities_per_profile)
    return "the profile would have " + std::to_string(total)
           + " identities, more than identity.max_identities_per_profile ("
           + std::to_string(options_.max_identities_per_profile) + ")";
  if (link == "alias"sv || options_.user_id_conflicts != "refuse"sv)
    return std::nullopt;
  auto ours = user_ids(survivor, survivor_kind);
  auto theirs = user_ids(absorbed, absorbed_kind);
  if (ours.empty() || theirs.empty() || ours == theirs)
    return std::nullopt;
  return "both profiles have a different userId (" + *ours.begin() + ", " + *theirs.begin()
         + "): a shared device; identity.user_id_conflicts is refuse";
}

void identity_graph::refuse(identity_refusal refusal) {
  auto pair = ordered(refusal.profile, refusal.other);
  blocked_.insert(pair);
  writes_.emplace_back(blocked_prefix + pair.first + separator + pair.second, std::string{});
  msgpack::sbuffer buf;
  msgpack::pack(buf, refusal);
  writes_.emplace_back(refusal_key(++refusal_seq_), std::string(buf.data(), buf.size()));
  refusals_.push_back(std::move(refusal));
  if (refusals_.size() > kept_refusals)
    refusals_.pop_front();
  ++stats_.refusals;
}

bool identity_graph::try_merge(const std::string& survivor, const std::string& survivor_kind,
                               const std::string& absorbed, const std::string& absorbed_kind,
                               const std::string& link, double confidence,
                               const codecs::event& ev, std::vector<transfer_plan>& merges) {
  if (blocked_.count(ordered(survivor, absorbed)) != 0)
    return false;
  auto now = ev.received_ms;
  if (auto reason = refusal_reason(survivor, survivor_kind, absorbed, absorbed_kind, link)) {
    refuse({now, survivor, absorbed, link, std::move(*reason), ev.message_id});
    return false;
  }
  auto joining = take_record(absorbed, absorbed_kind, now);
  auto merged = take_record(survivor, survivor_kind, now);
  for (auto& x : joining.identities) {
    if (x.id == absorbed) {  // the root of the joining profile: linked by this merge
      x.link = link;
      x.confidence = confidence;
      x.at_ms = now;
    }
    merged.identities.push_back(std::move(x));
  }
  for (auto& e : joining.edges)
    merged.edges.push_back(std::move(e));
  merged.edges.push_back({absorbed, survivor, link, confidence, now});
  drop_record(absorbed);
  install(std::move(merged));
  ++stats_.merges;
  merges.push_back({survivor, absorbed, {}, link, confidence, {}});
  return true;
}

resolution identity_graph::resolve(const codecs::event& ev) {
  // The hot path: an event of one identity that cannot link anything (no evidence keys).
  bool single = (ev.user_id.empty() || ev.anonymous_id.empty()) && ev.call != "identify"sv
                && ev.call != "alias"sv;
  if (single && options_.keys.empty()) {
    const auto& id = ev.user_key();
    std::shared_lock lock{mutex_};
    if (index_.empty())
      return {id, id, {}};
    return {profile_locked(id), origin_locked(id), {}};
  }
  auto ids = identities_of(ev);
  if (ids.empty())
    return {ev.user_key(), ev.user_key(), {}};
  std::unique_lock lock{mutex_};
  resolution out;
  const auto& [kind, primary] = ids.front();
  auto target = profile_locked(primary);
  auto link = ev.call == "alias"sv ? "alias" : ev.call == "identify"sv ? "identify" : "event";
  for (std::size_t i = 1; i < ids.size(); ++i) {
    auto other = profile_locked(ids[i].second);
    if (other != target)
      try_merge(target, kind, other, ids[i].first, link, 1, ev, out.merges);
  }
  if (!options_.keys.empty()) {
    auto evidence = signals_of(ev);
    if (auto best = best_candidate(evidence, target, ev.received_ms)) {
      auto& [candidate, candidate_kind, confidence] = *best;
      if (confidence >= options_.threshold
          && try_merge(candidate, candidate_kind, target, kind, "probabilistic", confidence, ev,
                       out.merges))
        target = candidate;
    }
    remember(evidence, origin_locked(primary), kind, ev.received_ms);
  }
  out.profile = target;
  out.origin = origin_locked(primary);
  return out;
}

std::optional<resolution> identity_graph::lookup(const codecs::event& ev) const {
  if (!options_.keys.empty())
    return std::nullopt;  // evidence is compared with every profile's: the sequencer's
  auto ids = identities_of(ev);
  std::shared_lock lock{mutex_};
  if (ids.empty())
    return resolution{ev.user_key(), ev.user_key(), {}};
  const auto& primary = ids.front().second;
  auto target = profile_locked(primary);
  for (std::size_t i = 1; i < ids.size(); ++i)
    if (profile_locked(ids[i].second) != target)
      return std::nullopt;
  // An identify's email or an alias that is linked already: nothing new either way.
  return resolution{target, origin_locked(primary), {}};
}

result<transfer_plan> identity_graph::unmerge(const std::string& id, std::int64_t now_ms) {
  std::unique_lock lock{mutex_};
  auto profile = profile_locked(id);
  auto it = records_.find(profile);
  if (it == records_.end())
    return failure{404, "'" + id + "' is not linked to any other identity"};
  auto origin = origin_locked(id);
  auto rec = it->second;
  auto cut = std::find_if(rec.edges.begin(), rec.edges.end(),
                          [&](const merge_edge& e) { return e.origin == origin; });
  if (cut == rec.edges.end())
    return failure{409, "'" + id + "' belongs to the root of profile '" + profile
                          + "': nothing was merged into it; unmerge an identity that was"};
  // The split-off side: the origin and every origin merged into it, transitively.
  std::set<std::string> side{origin};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& e : rec.edges)
      if (side.count(e.parent) != 0 && &e != &*cut && side.insert(e.origin).second)
        grew = true;
  }
  profile_record split{origin, {}, {}};
  profile_record rest{profile, {}, {}};
  for (auto& x : rec.identities) {
    if (side.count(x.origin) == 0) {
      rest.identities.push_back(std::move(x));
      continue;
    }
    if (x.id == origin) {
      x.link = "first";
      x.confidence = 1;
      x.at_ms = now_ms;
    }
    split.identities.push_back(std::move(x));
  }
  for (auto e = rec.edges.begin(); e != rec.edges.end(); ++e)
    if (e != cut)
      (side.count(e->origin) != 0 ? split : rest).edges.push_back(*e);
  records_.erase(profile);
  install(std::move(rest));
  install(std::move(split));
  auto pair = ordered(profile, origin);
  blocked_.insert(pair);
  writes_.emplace_back(blocked_prefix + pair.first + separator + pair.second, std::string{});
  ++stats_.unmerges;
  return transfer_plan{origin, profile, {side.begin(), side.end()}, "unmerge", 1, {}};
}

std::vector<identity_graph::weighted_signal> identity_graph::signals_of(
  const codecs::event& ev) const {
  std::vector<weighted_signal> out;
  for (std::size_t k = 0; k < options_.keys.size(); ++k) {
    const auto& key = options_.keys[k];
    std::string joined = std::to_string(k);
    bool complete = true;
    for (const auto& path : key.fields) {
      auto text = field_text(ev, path);
      if (text.empty()) {
        complete = false;
        break;
      }
      joined += separator;
      joined += text;
    }
    if (complete)
      out.emplace_back(stable_hash(joined), key.weight);
  }
  return out;
}

std::optional<std::tuple<std::string, std::string, double>> identity_graph::best_candidate(
  const std::vector<weighted_signal>& evidence, const std::string& profile,
  std::int64_t now_ms) const {
  std::map<std::string, std::pair<double, std::string>> scores;  // profile -> weight, kind
  for (const auto& [hash, weight] : evidence) {
    auto it = signals_.find(hash);
    if (it == signals_.end() || now_ms - it->second.seen_ms > options_.window.count())
      continue;
    auto other = profile_locked(it->second.origin);
    if (other == profile)
      continue;
    auto& score = scores[other];
    score.first += weight;
    score.second = it->second.kind;
  }
  if (scores.empty())
    return std::nullopt;
  auto best = std::max_element(scores.begin(), scores.end(), [](const auto& a, const auto& b) {
    return a.second.first < b.second.first;
  });
  return std::tuple{best->first, best->second.second, std::min(1.0, best->second.first)};
}

void identity_graph::remember(const std::vector<weighted_signal>& evidence,
                              const std::string& origin, const std::string& kind,
                              std::int64_t now_ms) {
  for (const auto& entry : evidence) {
    auto [it, fresh] = signals_.try_emplace(entry.first);
    it->second = {origin, kind, now_ms};
    if (fresh)
      signal_order_.emplace_back(entry.first, now_ms);
    if (evidence_ == evidence_storage::records) {
      msgpack::sbuffer buf;
      msgpack::pack(buf, it->second);
      writes_.emplace_back(signal_key(entry.first), std::string(buf.data(), buf.size()));
    }
  }
  // Expire from the oldest insertion; an entry refreshed since goes to the back again,
  // so the order holds one slot per entry and memory stays bounded by max_signals.
  while (!signal_order_.empty()) {
    auto [hash, since] = signal_order_.front();
    auto it = signals_.find(hash);
    bool expired = now_ms - since > options_.window.count();
    if (!expired && signals_.size() <= max_signals)
      break;
    signal_order_.pop_front();
    if (it == signals_.end())
      continue;
    if (it->second.seen_ms != since && now_ms - it->second.seen_ms <= options_.window.count()
        && signals_.size() <= max_signals)
      signal_order_.emplace_back(hash, it->second.seen_ms);
    else
      forget_signal(it);
  }
}

void identity_graph::forget_signal(std::unordered_map<std::uint64_t, signal>::iterator it) {
  if (evidence_ == evidence_storage::records)
    writes_.emplace_back(signal_key(it->first), std::nullopt);
  signals_.erase(it);
}

} // namespace cohort::actors
