#include "actors/session_state.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace cohort::actors {

// A literal compared as a view: lengths first, and no strlen per compare.
using namespace std::string_view_literals;

namespace {

using config::feature;

/// Rules read the user's features, windowed counts and tags through this view. A windowed
/// count is computed when a rule reads it: most rules read none, and nothing is allocated
/// per event.
class feature_input : public config::eval_input {
public:
  feature_input(const feature_values& f, const window_counts& windows,
                const std::vector<config::window_spec>& specs, std::int64_t latest_ms,
                const std::vector<std::string>& tags)
    : f_(f), windows_(windows), specs_(specs), latest_ms_(latest_ms), tags_(tags) {
  }
  double number(feature slot) const override { return f_[slot]; }
  std::string_view text(feature slot) const override {
    // Not a ?: chain: with "" as one arm its type is std::string, so the view would point
    // into a temporary copy destroyed on return (clang's -Wreturn-stack-address).
    if (slot == feature::device)
      return f_.device;
    if (slot == feature::source)
      return f_.source;
    return {};
  }
  double window_count(std::size_t i) const override {
    return windows_.count(specs_[i], latest_ms_);
  }
  bool has_tag(std::string_view tag) const override {
    return std::find(tags_.begin(), tags_.end(), tag) != tags_.end();
  }

private:
  const feature_values& f_;
  const window_counts& windows_;
  const std::vector<config::window_spec>& specs_;
  std::int64_t latest_ms_;
  const std::vector<std::string>& tags_;
};

std::vector<std::string> difference(const std::vector<std::string>& a,
                                    const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) == b.end())
      out.push_back(x);
  return out;
}

} // namespace

session_state::session_state(std::string user_key, const session_limits& limits)
  : user_key_(std::move(user_key)),
    dedup_(limits.dedup_window_ms, limits.dedup_max_ids),
    sessions_(limits.gap_ms, limits.allowed_lateness_ms),
    recent_(limits.recent_events) {
}

result<session_state> session_state::restore(std::string user_key,
                                             const session_limits& limits,
                                             const std::string& bytes) {
  try {
    auto handle = msgpack::unpack(bytes.data(), bytes.size());
    return from_object(std::move(user_key), limits, handle.get());
  } catch (const msgpack::type_error& e) {
    return failure{500, "snapshot of " + user_key + " is unreadable: " + e.what()};
  } catch (const msgpack::unpack_error& e) {
    return failure{500, "snapshot of " + user_key + " is unreadable: " + e.what()};
  }
}

session_state session_state::from_object(std::string user_key, const session_limits& limits,
                                         const msgpack::object& obj) {
  session_state s{std::move(user_key), limits};
  obj.convert(s);
  if (s.positions_.empty() && s.legacy_seq_ != 0)
    s.positions_.mark(0, s.legacy_seq_);  // written before positions were partitioned
  s.dirty_ = s.positions_.empty();
  return s;
}

recent_events session_state::recent_from_object(const session_limits& limits,
                                                const msgpack::object& obj) {
  constexpr std::uint32_t recent_field = 4;  // its place in MSGPACK_DEFINE
  if (obj.type != msgpack::type::ARRAY || obj.via.array.size <= recent_field)
    throw msgpack::type_error();
  recent_events recent{limits.recent_events};
  obj.via.array.ptr[recent_field].convert(recent);
  return recent;
}

session_state session_state::rekeyed(std::string user_key) const {
  auto copy = *this;
  copy.user_key_ = std::move(user_key);
  return copy;
}

void session_state::note(outcome what) {
  if (what == outcome::duplicate)
    ++duplicates_;
  else if (what == outcome::late)
    ++late_;
}

void session_state::absorb(const session_state& other) {
  if (other.events_ > 0) {
    bool other_first = events_ == 0 || other.first_seen_ms_ < first_seen_ms_;
    // Device from the side with the latest event; source from the first touch.
    if (!other.device_.empty() && (device_.empty() || other.latest_ms() > latest_ms()))
      device_ = other.device_;
    if (!other.source_.empty() && (source_.empty() || other_first))
      source_ = other.source_;
    if (other_first)
      first_seen_ms_ = other.first_seen_ms_;
  }
  dedup_.absorb(other.dedup_);
  sessions_.absorb(other.sessions_);
  windows_.absorb(other.windows_);
  for (const auto& [type, n] : other.counts_)
    counts_[type] += n;
  recent_.absorb(other.recent_);
  for (const auto& x : other.identities_)
    if (std::find(identities_.begin(), identities_.end(), x) == identities_.end())
      identities_.push_back(x);
  events_ += other.events_;
  duplicates_ += other.duplicates_;
  late_ += other.late_;
  updated_ms_ = std::max(updated_ms_, other.updated_ms_);
  positions_.absorb(other.positions_);
  dirty_ = true;
}

void session_state::carry_outputs(const session_state& previous) {
  score_ = previous.score_;
  tags_ = previous.tags_;
  segment_ = previous.segment_;
  change_seq_ = std::max(change_seq_, previous.change_seq_);
  positions_.absorb(previous.positions_);
  for (const auto& id : previous.done_transfers_)
    if (!transfer_done(id))
      note_transfer(id);
}

bool session_state::transfer_done(const std::string& id) const {
  return std::find(done_transfers_.begin(), done_transfers_.end(), id) != done_transfers_.end();
}

void session_state::note_transfer(std::string id) {
  // A duplicate of a transfer record follows it closely in the log (a producer retry):
  // the last few ids are enough.
  constexpr std::size_t kept = 16;
  if (done_transfers_.size() == kept)
    done_transfers_.erase(done_transfers_.begin());
  done_transfers_.push_back(std::move(id));
  dirty_ = true;
}

void session_state::reevaluate(const codecs::event& cause, const engine_model& model,
                               std::vector<change_event>& changes) {
  windows_.prune(model.rules->windows(), sessions_.latest_ms());
  evaluate(cause, model, changes);
}

std::string session_state::snapshot() {
  legacy_seq_ = positions_.at(0);
  msgpack::sbuffer buf;
  msgpack::pack(buf, *this);
  dirty_ = false;
  return std::string(buf.data(), buf.size());
}

session_state::outcome session_state::apply(const codecs::event& ev, const engine_model& model,
                                            std::vector<change_event>& changes) {
  if (ev.seq != 0 && !positions_.advance(ev.partition, ev.seq))
    return outcome::replayed;
  dirty_ = true;
  // Lateness first: a late event is kept outside (dead letters) and may be replayed, so
  // its id must not be remembered as applied.
  if (sessions_.is_late(ev.timestamp_ms)) {
    ++late_;
    return outcome::late;
  }
  if (!dedup_.insert(ev.message_id, ev.received_ms)) {
    ++duplicates_;
    return outcome::duplicate;
  }
  auto facts = facts_of(ev);
  sessions_.add(ev, facts);
  if (!facts.device.empty())
    device_ = facts.device;
  if (!facts.source.empty())
    source_ = facts.source;
  const auto& windows = model.rules->windows();
  windows_.add(windows, ev.type, ev.timestamp_ms);
  windows_.prune(windows, sessions_.latest_ms());
  record(ev);
  evaluate(ev, model, changes);
  return outcome::applied;
}

void session_state::record(const codecs::event& ev) {
  ++events_;
  ++counts_[ev.type];
  first_seen_ms_ = events_ == 1 ? ev.timestamp_ms : std::min(first_seen_ms_, ev.timestamp_ms);
  updated_ms_ = std::max(updated_ms_, ev.received_ms);
  for (auto [kind, id] : {std::pair{"userId", &ev.user_id}, {"anonymousId", &ev.anonymous_id}}) {
    auto known = [&](const identity& x) { return x.id == *id && x.kind == kind; };
    if (!id->empty() && std::none_of(identities_.begin(), identities_.end(), known))
      identities_.push_back({kind, *id, "event", 1});
  }
  recent_.push(ev);
}

feature_values session_state::features(const engine_model& model) const {
  feature_values f;
  if (sessions_.empty())
    return f;
  const auto& s = sessions_.current();
  f[feature::page_depth] = s.page_depth();
  f[feature::event_count] = s.events;
  f[feature::time_on_page] = s.time_on_page_s();
  f[feature::session_duration] = s.duration_s();
  f[feature::scroll_depth] = s.max_scroll;
  f[feature::click_density] = s.click_density();
  f[feature::product_views] = s.product_views;
  f[feature::cart_adds] = s.cart_adds;
  f[feature::wishlist_visits] = s.wishlist_adds;
  f[feature::purchases] = s.purchases;
  f[feature::conversion_rate] = s.conversion_rate();
  auto sessions = sessions_.sessions();
  f[feature::sessions] = static_cast<double>(sessions);
  f[feature::session_frequency] = sessions_.session_frequency();
  f[feature::bounce_rate] = static_cast<double>(sessions_.bounces()) / sessions;
  f[feature::lifetime_purchases] = static_cast<double>(sessions_.purchases());
  f[feature::last_seen] = static_cast<double>(sessions_.latest_ms()) / 1000.0;
  f.device = device_;
  f.source = source_.empty() ? "direct" : source_;
  f[feature::is_mobile] = device_ == "mobile"sv || device_ == "tablet"sv;
  f[feature::score] = model.score.evaluate(f, nullptr);
  return f;
}

void session_state::evaluate(const codecs::event& cause, const engine_model& model,
                             std::vector<change_event>& changes) {
  auto f = features(model);
  score_ = f[feature::score];
  const auto& rules = *model.rules;
  const auto latest = sessions_.latest_ms();
  std::vector<std::string> no_tags;
  auto tags = rules.tags(feature_input{f, windows_, rules.windows(), latest, no_tags});
  const auto& segment = rules.segment(feature_input{f, windows_, rules.windows(), latest, tags});
  if (segment == segment_ && tags == tags_)
    return;  // most events: nothing to tell subscribers, nothing to build
  change_event base;
  base.user_id = user_key_;
  base.to = segment;
  base.score = score_;
  base.tags = tags;
  base.at_ms = cause.timestamp_ms;
  base.message_id = cause.message_id;
  base.received_ms = cause.received_ms;
  if (segment != segment_) {
    auto change = base;
    change.type = change_event::kind::segment_change;
    change.from = segment_;
    changes.push_back(std::move(change));
    segment_ = segment;
  }
  if (tags != tags_) {
    auto change = std::move(base);
    change.type = change_event::kind::tags_change;
    change.added = difference(tags, tags_);
    change.removed = difference(tags_, tags);
    changes.push_back(std::move(change));
    tags_ = std::move(tags);
  }
}

profile session_state::view(const engine_model& model) const {
  profile p;
  p.user_id = user_key_;
  p.profile_id = user_key_;
  auto f = features(model);
  p.score = model.score.evaluate(f, &p.breakdown);
  p.segment = segment_;
  p.tags = tags_;
  for (const auto& info : config::feature_catalog()) {
    if (info.type == config::value_type::string)
      p.text_features.emplace_back(info.name, info.slot == feature::device ? f.device : f.source);
    else if (info.slot != feature::score)
      p.features.emplace_back(info.name, f[info.slot]);
  }
  if (!sessions_.empty()) {
    const auto& s = sessions_.current();
    p.session = {"s-" + std::to_string(s.start_ms), s.start_ms, s.end_ms, s.events};
  }
  p.model_version = model.score.version(model.version);
  p.model_kind = model.score.kind();
  p.event_counts = counts_.to_map();
  p.events = events_;
  p.duplicates = duplicates_;
  p.late = late_;
  p.first_seen_ms = first_seen_ms_;
  p.last_seen_ms = sessions_.latest_ms();
  p.updated_ms = updated_ms_;
  p.identities = identities_;
  p.recent = recent_.decoded();
  return p;
}

} // namespace cohort::actors
