#include "actors/profile_state.hpp"

#include <algorithm>

namespace cohort::actors {

namespace {

// Marks the multi-part snapshot format; a plain session_state starts with an array.
constexpr const char* parts_format = "cohort.profile.v1";

/// True for the multi-part format; a plain session_state otherwise.
bool multi_part(const msgpack::object& obj) {
  return obj.type == msgpack::type::ARRAY && obj.via.array.size == 4
         && obj.via.array.ptr[0].type == msgpack::type::STR;
}

/// Reads `bytes` and calls `read(object)`; a malformed snapshot of `key` is an error.
template <class T, class Read>
result<T> read_snapshot(const std::string& key, const std::string& bytes, Read read) {
  try {
    auto handle = msgpack::unpack(bytes.data(), bytes.size());
    return read(handle.get());
  } catch (const msgpack::type_error& e) {
    return failure{500, "snapshot of " + key + " is unreadable: " + e.what()};
  } catch (const msgpack::unpack_error& e) {
    return failure{500, "snapshot of " + key + " is unreadable: " + e.what()};
  }
}

} // namespace

profile_state::profile_state(std::string key, const session_limits& limits)
  : limits_(limits), combined_(key, limits), home_(std::move(key)) {
}

result<profile_state> profile_state::restore(std::string key, const session_limits& limits,
                                             const std::string& bytes) {
  return read_snapshot<profile_state>(key, bytes, [&](const msgpack::object& obj)
                                                      -> result<profile_state> {
    profile_state p{key, limits};
    if (!multi_part(obj)) {
      p.combined_ = session_state::from_object(key, limits, obj);
      return p;
    }
    if (obj.via.array.ptr[0].as<std::string>() != parts_format)
      return failure{500, "snapshot of " + key + " has an unknown format"};
    p.home_ = obj.via.array.ptr[1].as<std::string>();
    p.combined_ = session_state::from_object(key, limits, obj.via.array.ptr[2]);
    const auto& parts = obj.via.array.ptr[3];
    if (parts.type != msgpack::type::MAP)
      return failure{500, "snapshot of " + key + " has malformed parts"};
    for (std::uint32_t i = 0; i < parts.via.map.size; ++i) {
      auto origin = parts.via.map.ptr[i].key.as<std::string>();
      p.parts_.make().emplace(origin, session_state::from_object(origin, limits,
                                                                 parts.via.map.ptr[i].val));
    }
    return p;
  });
}

result<recent_events> profile_state::stored_recent(const std::string& key,
                                                   const session_limits& limits,
                                                   const std::string& bytes) {
  return read_snapshot<recent_events>(key, bytes, [&](const msgpack::object& obj)
                                                      -> result<recent_events> {
    return session_state::recent_from_object(limits, multi_part(obj) ? obj.via.array.ptr[2]
                                                                     : obj);
  });
}

std::string profile_state::snapshot() {
  if (!merged() && home_ == key())
    return combined_.snapshot();
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  pk.pack_array(4);
  pk.pack(std::string(parts_format));
  pk.pack(home_);
  pk.pack(combined_);
  static const std::map<std::string, session_state> unmerged;  // home_ != key(), one part
  const auto& parts = parts_.get() != nullptr ? *parts_.get() : unmerged;
  pk.pack_map(static_cast<std::uint32_t>(parts.size()));
  for (const auto& [origin, part] : parts) {
    pk.pack(origin);
    pk.pack(part);
  }
  combined_.snapshot();  // marks clean; the bytes above already hold the combined state
  return std::string(buf.data(), buf.size());
}

session_state::outcome profile_state::apply(const codecs::event& ev, const engine_model& model,
                                            std::vector<change_event>& changes) {
  const auto& origin = ev.origin_key();
  if (!merged() && origin == home_)
    return combined_.apply(ev, model, changes);
  if (!merged())
    parts_.make().emplace(home_, combined_.rekeyed(home_));
  auto outcome = combined_.apply(ev, model, changes);
  if (outcome == session_state::outcome::replayed)
    return outcome;
  auto part = parts_.make().try_emplace(origin, origin, limits_).first;
  if (outcome == session_state::outcome::applied) {
    std::vector<change_event> ignored;  // a part's own segment is never published
    part->second.apply(ev, model, ignored);
  } else {
    part->second.note(outcome);
  }
  return outcome;
}

std::map<std::string, session_state> profile_state::parts() const {
  if (merged())
    return *parts_.get();
  return {{home_, combined_.rekeyed(home_)}};
}

std::vector<std::string> profile_state::origins() const {
  if (!merged())
    return {home_};
  std::vector<std::string> out;
  for (const auto& entry : *parts_.get())
    out.push_back(entry.first);
  return out;
}

void profile_state::rebuild(std::map<std::string, session_state> parts,
                            const codecs::event& cause, const engine_model& model,
                            std::vector<change_event>& changes) {
  auto previous = std::move(combined_);
  combined_ = session_state{previous.user_key(), limits_};
  for (const auto& entry : parts)
    combined_.absorb(entry.second);
  // Keep what subscribers last saw, so that reevaluate() reports real changes only.
  combined_.carry_outputs(previous);
  combined_.mark_seq(cause.partition, cause.seq);
  combined_.reevaluate(cause, model, changes);
  if (parts.size() == 1) {
    home_ = parts.begin()->first;
    parts_.reset();
  } else {
    parts_.make() = std::move(parts);
  }
}

void profile_state::absorb(const profile_state& other, const codecs::event& cause,
                           const engine_model& model, std::vector<change_event>& changes) {
  auto mine = parts();
  for (auto& [origin, part] : other.parts()) {
    if (auto it = mine.find(origin); it != mine.end())
      it->second.absorb(part);
    else
      mine.emplace(origin, std::move(part));
  }
  rebuild(std::move(mine), cause, model, changes);
}

profile_state profile_state::extract(const std::vector<std::string>& origins,
                                     const std::string& key, const codecs::event& cause,
                                     const engine_model& model,
                                     std::vector<change_event>& changes) {
  auto mine = parts();
  std::map<std::string, session_state> taken;
  for (const auto& origin : origins) {
    if (auto it = mine.find(origin); it != mine.end()) {
      taken.insert(mine.extract(it));
    }
  }
  profile_state out{key, limits_};
  if (!taken.empty()) {
    std::vector<change_event> ignored;  // the receiver publishes its own changes
    out.rebuild(std::move(taken), cause, model, ignored);
  }
  if (!mine.empty())
    rebuild(std::move(mine), cause, model, changes);
  return out;
}

} // namespace cohort::actors
