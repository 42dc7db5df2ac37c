#include "actors/recent_events.hpp"

#include <algorithm>

namespace cohort::actors {

void recent_events::push(const codecs::event& ev) {
  if (capacity_ == 0)
    return;
  if (items_.size() == capacity_)
    drop_oldest();
  encode(ev);
  if (items_.size() == capacity_)
    partial_ = false;  // the newest `capacity` are all here: the released ones are older
}

void recent_events::release(std::uint64_t mark) {
  if (mark != pushed_ || items_.empty())
    return;  // events came since the snapshot was taken: held until the next one
  std::vector<item>{}.swap(items_);
  std::vector<char>{}.swap(bytes_);
  partial_ = true;
}

void recent_events::complete(recent_events stored) {
  if (!partial_)
    return;
  partial_ = false;
  // Merged into the stored list, so that of events with equal times the older go first.
  stored.capacity_ = capacity_;
  stored.absorb(*this);
  const auto pushed = pushed_ + 1;
  *this = std::move(stored);
  pushed_ = pushed;
}

void recent_events::encode(const codecs::event& ev) {
  // The bytes the event log packed when it holds the event. Otherwise packed aside first,
  // then appended at once: msgpack writes an event field by field, and growing the user's
  // buffer as it went reallocated it (copying every held event) about twice per event.
  // The scratch buffer is the worker thread's, reused; an sbuffer, whose write is a bounds
  // check and a copy (a vector's range insert was 8 % of cohortd's instructions, ~38
  // writes per event).
  auto encoding = ev.packed.bytes();
  if (ev.packed.empty()) {
    thread_local msgpack::sbuffer scratch;
    scratch.clear();
    msgpack::pack(scratch, ev);
    encoding = {scratch.data(), scratch.size()};
  }
  const auto size = encoding.size();
  // Grown by an eighth, or room for one more such event, rather than doubled: a user's
  // buffer stays near its events' size and is reallocated at most every other event.
  if (bytes_.size() + size > bytes_.capacity())
    bytes_.reserve(bytes_.size() + size + std::max(bytes_.size() / 8, size));
  bytes_.insert(bytes_.end(), encoding.data(), encoding.data() + size);
  // Room for 8 at once rather than 1, 2, 4, 8; no more, since a user's items are held in
  // memory until the next checkpoint and most users send few events in between.
  if (items_.empty())
    items_.reserve(std::min<std::size_t>(capacity_, 8));
  items_.push_back({ev.timestamp_ms, static_cast<std::uint32_t>(size)});
  ++pushed_;
}

void recent_events::drop_oldest() {
  bytes_.erase(bytes_.begin(), bytes_.begin() + items_.front().size);
  items_.erase(items_.begin());
}

void recent_events::append(std::int64_t timestamp_ms, const char* data, std::size_t size) {
  bytes_.insert(bytes_.end(), data, data + size);
  items_.push_back({timestamp_ms, static_cast<std::uint32_t>(size)});
}

void recent_events::absorb(const recent_events& other) {
  if (partial_ || other.partial_)
    throw std::logic_error("recent events merged while released: complete() them first");
  // A new count: a mark taken before the merge no longer matches.
  const auto pushed = pushed_ + 1 + other.items_.size();
  recent_events merged{capacity_};
  std::size_t i = 0, j = 0, at_i = 0, at_j = 0;
  auto take = [&merged](const recent_events& from, std::size_t& k, std::size_t& at) {
    const auto& it = from.items_[k++];
    merged.append(it.timestamp_ms, from.bytes_.data() + at, it.size);
    at += it.size;
  };
  while (i < items_.size() || j < other.items_.size()) {
    bool mine = j == other.items_.size()
                || (i < items_.size() && items_[i].timestamp_ms <= other.items_[j].timestamp_ms);
    if (mine)
      take(*this, i, at_i);
    else
      take(other, j, at_j);
  }
  while (merged.items_.size() > capacity_)
    merged.drop_oldest();
  *this = std::move(merged);
  pushed_ = pushed;
}

std::vector<codecs::event> recent_events::decoded() const {
  std::vector<codecs::event> out;
  out.reserve(items_.size());
  std::size_t offset = 0;
  for (const auto& it : items_) {
    auto handle = msgpack::unpack(bytes_.data() + offset, it.size);
    out.push_back(handle.get().as<codecs::event>());
    offset += it.size;
  }
  return out;
}

void recent_events::msgpack_unpack(const msgpack::object& obj) {
  if (obj.type != msgpack::type::ARRAY)
    throw msgpack::type_error();
  items_.clear();
  bytes_.clear();
  const auto& array = obj.via.array;
  // A lowered sessions.recent_events keeps the newest.
  auto skip = array.size > capacity_ ? array.size - capacity_ : 0;
  for (std::uint32_t k = skip; k < array.size; ++k) {
    // Converted first, so that a malformed element fails here rather than on display.
    encode(array.ptr[k].as<codecs::event>());
  }
}

} // namespace cohort::actors
