// The synthetic event stream of issue 6's benchmark, shared by cohort-load (which sends it
// to cohortd and to the Node.js baseline as Segment JSON) and cohort-baseline-redis (which
// sends it to Redis as EVALSHA calls), so every system sees the same users and event mix.
#pragma once

#include <array>
#include <cstdint>
#include <random>

namespace cohort_bench {

/// The three kinds of synthetic events, in the order of the --mix weights.
enum class event_kind : std::uint8_t { page = 0, product_view = 1, cart_add = 2 };

/// What one synthetic event is about; the sender turns it into its own wire format.
struct synthetic_event {
  std::uint64_t user = 0;  // index in [0, users)
  event_kind kind = event_kind::page;
  std::uint64_t item = 0;  // product / page number, a function of the user
};

/// Uniformly random users, kinds drawn by the page / product view / cart add weights.
/// Deterministic for a seed, so each connection of a run has its own reproducible stream.
/// Weights summing to 0 are the caller's error (checked when options are parsed).
class event_generator {
 public:
  event_generator(std::uint64_t users, std::array<unsigned, 3> mix, std::uint64_t seed)
      : user_dist_(0, users - 1), kind_dist_(0, mix[0] + mix[1] + mix[2] - 1), mix_(mix), rng_(seed) {}

  synthetic_event next() {
    synthetic_event e;
    e.user = user_dist_(rng_);
    const unsigned r = kind_dist_(rng_);
    e.kind = r < mix_[0] ? event_kind::page : r < mix_[0] + mix_[1] ? event_kind::product_view : event_kind::cart_add;
    e.item = e.user % 997;
    return e;
  }

 private:
  std::uniform_int_distribution<std::uint64_t> user_dist_;
  std::uniform_int_distribution<unsigned> kind_dist_;
  std::array<unsigned, 3> mix_;
  std::mt19937_64 rng_;
};

}  // namespace cohort_bench
