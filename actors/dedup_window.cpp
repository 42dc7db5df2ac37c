#include "actors/dedup_window.hpp"

#include <algorithm>
#include <iterator>

#include "actors/stable_hash.hpp"

namespace cohort::actors {

dedup_window::dedup_window(std::int64_t window_ms, std::size_t max_ids)
  : window_ms_(window_ms), max_ids_(std::max<std::size_t>(max_ids, 1)) {
}

bool dedup_window::contains(std::uint64_t id) const {
  if (auto index = ids_.get())
    return index->contains(id);
  return std::any_of(order_.begin() + static_cast<std::ptrdiff_t>(head_), order_.end(),
                     [id](const entry& e) { return e.id == id; });
}

void dedup_window::expire(std::int64_t now_ms) {
  // Arrival times may step backwards (clock adjustments, replays): expire against the
  // latest time seen so that an entry is never kept past its window.
  latest_ms_ = std::max(latest_ms_, now_ms);
  auto index = ids_.get();
  while (head_ < order_.size()
         && (latest_ms_ - order_[head_].seen_ms >= window_ms_ || size() >= max_ids_)) {
    if (index)
      index->erase(order_[head_].id);
    ++head_;
  }
  // Expired entries go in bulk, so that dropping one costs O(1) amortized.
  if (head_ * 2 >= order_.size()) {
    order_.erase(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  if (index && size() <= index_from / 2)
    ids_.reset();
}

void dedup_window::rebuild_index() {
  ids_.reset();
  if (size() <= index_from)
    return;
  auto& index = ids_.make();
  index.reserve(size());
  for (auto i = head_; i < order_.size(); ++i)
    index.insert(order_[i].id);
}

void dedup_window::msgpack_unpack(const msgpack::object& obj) {
  if (obj.type != msgpack::type::ARRAY || obj.via.array.size != 2)
    throw msgpack::type_error();
  obj.via.array.ptr[0].convert(latest_ms_);
  obj.via.array.ptr[1].convert(order_);
  head_ = 0;
  rebuild_index();
}

void dedup_window::absorb(const dedup_window& other) {
  auto live = [](const dedup_window& w) {
    return std::make_pair(w.order_.begin() + static_cast<std::ptrdiff_t>(w.head_),
                          w.order_.end());
  };
  auto [a, a_end] = live(*this);
  auto [b, b_end] = live(other);
  std::vector<entry> merged;
  merged.reserve(size() + other.size());
  std::merge(a, a_end, b, b_end, std::back_inserter(merged),
             [](const entry& x, const entry& y) { return x.seen_ms < y.seen_ms; });
  // Both sides may have seen one id (a message carrying both identities).
  flat_id_set seen;
  merged.erase(std::remove_if(merged.begin(), merged.end(),
                              [&](const entry& e) { return !seen.insert(e.id); }),
               merged.end());
  order_ = std::move(merged);
  head_ = 0;
  rebuild_index();
  expire(std::max(latest_ms_, other.latest_ms_));
}

bool dedup_window::insert(std::string_view id, std::int64_t now_ms) {
  if (id.empty())
    return true;
  auto h = stable_hash(id);
  expire(now_ms);
  if (contains(h))
    return false;
  order_.push_back({now_ms, h});
  if (auto index = ids_.get())
    index->insert(h);
  else if (size() > index_from)
    rebuild_index();
  return true;
}

} // namespace cohort::actors
