// cohort-dedup-bench: nanoseconds per check of the dedup window, the check every event
// makes against its user's recent message ids (issue 18), side by side with the obvious
// design (an std::unordered_set of ids per user and a queue of arrivals). Users are
// visited at random, as in bench/run.sh's load, so each check touches cold memory. Prints
// figures only; nothing is asserted.
//
//   cohort-dedup-bench [--users U] [--ids N] [--rounds R]
//
// --ids picks one of the held sizes (4, 16, 60, 200); all are run by default.
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "actors/dedup_window.hpp"
#include "actors/stable_hash.hpp"

using namespace cohort;

namespace {

constexpr std::int64_t window_ms = 24 * 3600 * 1000;
constexpr std::size_t max_ids = 16384;

/// The baseline: every id in a hash set, arrivals in a queue for expiry.
struct set_window {
  std::unordered_set<std::uint64_t> ids;
  std::deque<std::pair<std::int64_t, std::uint64_t>> order;
  bool insert(std::string_view id, std::int64_t now_ms) {
    while (!order.empty() && now_ms - order.front().first >= window_ms) {
      ids.erase(order.front().second);
      order.pop_front();
    }
    auto h = actors::stable_hash(id);
    if (!ids.insert(h).second)
      return false;
    order.emplace_back(now_ms, h);
    return true;
  }
};

/// A message id as an SDK sends it: a UUID-sized string, unique per user and sequence.
std::string_view message_id(char (&buf)[48], std::size_t user, std::size_t seq) {
  std::memcpy(buf, "ajs-00000000-0000-", 18);
  auto end = std::to_chars(buf + 18, buf + 32, user).ptr;
  *end++ = '-';
  end = std::to_chars(end, buf + 48, seq).ptr;
  return {buf, static_cast<std::size_t>(end - buf)};
}

/// Fills every user to `held` ids, then runs `rounds` passes; each pass sends one new id
/// to every user in a random order, then its retry (a client resending after a timeout).
/// Returns nanoseconds per check, and exits if a new id was taken for a duplicate or a
/// retry was not.
template <class Window, class Make>
double run(std::size_t users, std::size_t held, std::size_t rounds, Make make) {
  std::vector<Window> windows;
  windows.reserve(users);
  for (std::size_t u = 0; u < users; ++u)
    windows.push_back(make());
  char buf[48];
  for (std::size_t seq = 0; seq < held; ++seq)
    for (std::size_t u = 0; u < users; ++u)
      windows[u].insert(message_id(buf, u, seq), 0);
  std::vector<std::uint32_t> visit(users);
  for (std::size_t u = 0; u < users; ++u)
    visit[u] = static_cast<std::uint32_t>(u);
  std::mt19937 rng(11);
  std::size_t wrong = 0;
  auto start = std::chrono::steady_clock::now();
  for (std::size_t r = 0; r < rounds; ++r) {
    std::shuffle(visit.begin(), visit.end(), rng);
    const auto now = static_cast<std::int64_t>(r + 1);
    for (auto u : visit) {
      auto id = message_id(buf, u, held + r);
      wrong += !windows[u].insert(id, now);
      wrong += windows[u].insert(id, now);
    }
  }
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
  if (wrong != 0) {
    std::cerr << "dedup bench: " << wrong << " wrong answers\n";
    std::exit(1);
  }
  return ns.count() / static_cast<double>(2 * users * rounds);
}

std::size_t arg(int argc, char** argv, const char* name, std::size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0)
      return std::strtoul(argv[i + 1], nullptr, 10);
  return fallback;
}

} // namespace

int main(int argc, char** argv) {
  const auto users = arg(argc, argv, "--users", 100000);
  const auto rounds = arg(argc, argv, "--rounds", 40);
  std::cout << "users " << users << ", " << rounds << " rounds of a new id and its retry each\n"
            << "ids_held  dedup_window_ns_per_check  unordered_set_ns_per_check  ratio\n";
  for (std::size_t held : {4, 16, 60, 200}) {
    if (arg(argc, argv, "--ids", 0) != 0 && arg(argc, argv, "--ids", 0) != held)
      continue;
    auto ours = run<actors::dedup_window>(users, held, rounds,
                                          [] { return actors::dedup_window{window_ms, max_ids}; });
    auto base = run<set_window>(users, held, rounds, [] { return set_window{}; });
    std::cout << held << "  " << ours << "  " << base << "  " << base / ours << "\n";
  }
}
