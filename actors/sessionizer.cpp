#include "actors/sessionizer.hpp"

#include <algorithm>
#include <iterator>

namespace cohort::actors {

namespace {

constexpr std::int64_t frequency_horizon_ms = 7LL * 24 * 3600 * 1000;

} // namespace

sessionizer::sessionizer(std::int64_t gap_ms, std::int64_t allowed_lateness_ms)
  : gap_ms_(gap_ms), lateness_ms_(allowed_lateness_ms) {
}

sessionizer::placement sessionizer::add(const codecs::event& ev, const event_facts& facts) {
  auto t = ev.timestamp_ms;
  if (is_late(t))
    return placement::late;
  // Sessions within `gap` of t on either side merge with it (Flink session-window
  // semantics: the windows [start, end + gap) overlap).
  auto first = std::find_if(open_.begin(), open_.end(),
                            [&](const auto& s) { return t - s.end_ms < gap_ms_; });
  auto last = std::find_if(first, open_.end(),
                           [&](const auto& s) { return s.start_ms - t >= gap_ms_; });
  if (last - first == 1) {
    // The common case, one session reached: extended in place. It cannot reach another,
    // which would have to lie within `gap` of t too.
    first->add(ev, facts);
  } else {
    auto joined = session_summary::of(ev, facts);
    for (auto it = first; it != last; ++it)
      joined.merge(*it);
    auto pos = open_.erase(first, last);
    open_.insert(pos, std::move(joined));
  }
  latest_ms_ = std::max(latest_ms_, t);
  fold_unreachable();
  return placement::placed;
}

void sessionizer::absorb(const sessionizer& other) {
  std::vector<session_summary> all;
  all.reserve(open_.size() + other.open_.size());
  std::merge(open_.begin(), open_.end(), other.open_.begin(), other.open_.end(),
             std::back_inserter(all),
             [](const auto& a, const auto& b) { return a.start_ms < b.start_ms; });
  open_.clear();
  for (auto& s : all) {
    if (!open_.empty() && s.start_ms - open_.back().end_ms < gap_ms_)
      open_.back().merge(s);
    else
      open_.push_back(std::move(s));
  }
  latest_ms_ = std::max(latest_ms_, other.latest_ms_);
  folded_sessions_ += other.folded_sessions_;
  folded_bounces_ += other.folded_bounces_;
  folded_purchases_ += other.folded_purchases_;
  std::vector<std::int64_t> starts;
  std::merge(folded_starts_.begin(), folded_starts_.end(), other.folded_starts_.begin(),
             other.folded_starts_.end(), std::back_inserter(starts));
  folded_starts_ = std::move(starts);
  fold_unreachable();
}

void sessionizer::fold_unreachable() {
  // The earliest admissible event is latest - lateness; it reaches sessions ending
  // after that minus gap. Anything older is final.
  auto horizon = latest_ms_ - lateness_ms_ - gap_ms_;
  auto final_end = open_.begin();
  while (open_.end() - final_end > 1 && final_end->end_ms <= horizon) {
    ++folded_sessions_;
    folded_bounces_ += final_end->bounced();
    folded_purchases_ += final_end->purchases;
    folded_starts_.push_back(final_end->start_ms);
    ++final_end;
  }
  open_.erase(open_.begin(), final_end);
  auto since = latest_ms_ - frequency_horizon_ms;
  folded_starts_.erase(folded_starts_.begin(),
                       std::find_if(folded_starts_.begin(), folded_starts_.end(),
                                    [since](auto start) { return start >= since; }));
}

std::uint64_t sessionizer::sessions() const {
  return folded_sessions_ + open_.size();
}

std::uint64_t sessionizer::bounces() const {
  auto n = folded_bounces_;
  for (const auto& s : open_)
    n += s.bounced();
  return n;
}

std::uint64_t sessionizer::purchases() const {
  auto n = folded_purchases_;
  for (const auto& s : open_)
    n += s.purchases;
  return n;
}

double sessionizer::session_frequency() const {
  auto since = latest_ms_ - frequency_horizon_ms;
  auto recent = std::count_if(folded_starts_.begin(), folded_starts_.end(),
                              [&](auto start) { return start >= since; });
  recent += std::count_if(open_.begin(), open_.end(),
                          [&](const auto& s) { return s.start_ms >= since; });
  return static_cast<double>(recent) / 7.0;
}

} // namespace cohort::actors
