// cohort-baseline-caf: baseline 1 of issue 6, the design's ceiling. Bare CAF 0.17 delivers
// the same number of events to per-user stateful actors (spawned on first use, as cohortd
// does), each doing a trivial state update; no HTTP, JSON, RocksDB or rules.
//
// One sender (like cohortd's ingest path) sends events to uniformly random users, either
// one message per event or grouped per destination actor (--per-actor-batch), with at most
// --window events unapplied at once (cohortd bounds the same with ingest.max_in_flight).
// The scheduler policy is a flag because the default work-stealing policy collapsed on this
// 2-core machine (../shared/NOTES.md): run both and keep the regression visible.
//
// The sender is a CAF actor by default (cohortd's ingest path is made of actors); --sender
// thread sends from a plain thread instead, which was far slower here under `sharing`.
//
// Last line: `RESULT events=N seconds=S events_per_s=R rss_kb=K` for bench/run.sh.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

/// What a session actor keeps in this baseline: counters and a last-seen time, roughly
/// the feature counters cohortd updates per event.
struct user_state {
  std::uint32_t events = 0;
  std::uint32_t by_type[3] = {0, 0, 0};
  std::int64_t last_seen = 0;
};

struct run_options {
  std::uint64_t events = 1000000;
  std::uint64_t users = 100000;
  std::uint64_t window = 200000;
  std::uint32_t per_actor_batch = 1;
  std::string policy = "sharing";
  std::size_t threads = 2;
  std::string sender = "actor";  // actor | thread
};

caf::behavior user_actor(caf::stateful_actor<user_state>* self, std::atomic<std::uint64_t>* applied) {
  return {
    [=](std::int32_t type, std::int64_t ts) {
      auto& s = self->state;
      ++s.events;
      ++s.by_type[type % 3];
      s.last_seen = ts;
      applied->fetch_add(1, std::memory_order_relaxed);
    },
    [=](const std::vector<std::int64_t>& batch) {
      // Grouped delivery: each element packs the type in the low 2 bits.
      auto& s = self->state;
      for (auto v : batch) {
        ++s.events;
        ++s.by_type[(v & 3) % 3];
        s.last_seen = v >> 2;
      }
      applied->fetch_add(batch.size(), std::memory_order_relaxed);
    },
  };
}

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
    in.ignore(1 << 12, '\n');
  }
  return 0;
}

/// Blocks while more than `window` events are sent but not applied.
void wait_for_window(const std::atomic<std::uint64_t>& applied, std::uint64_t sent, std::uint64_t window) {
  while (sent - applied.load(std::memory_order_relaxed) > window)
    std::this_thread::yield();
}

/// The sender's side: spawns users on first use and sends their events.
struct sender_state {
  const run_options* opt = nullptr;
  std::atomic<std::uint64_t>* applied = nullptr;
  std::vector<caf::actor> actors;
  std::mt19937_64 rng{42};
  std::uint64_t sent = 0;

  /// Sends one event (or one per-actor group); false once every event is out.
  template <class Spawner>
  bool send_next(Spawner&& spawn) {
    if (sent >= opt->events)
      return false;
    std::uniform_int_distribution<std::uint64_t> pick(0, opt->users - 1);
    auto& a = actors[pick(rng)];
    if (!a)
      a = spawn();  // spawned on first event, as cohortd does
    const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(opt->per_actor_batch, opt->events - sent));
    if (n == 1) {
      caf::anon_send(a, static_cast<std::int32_t>(sent % 3), static_cast<std::int64_t>(sent));
    } else {
      std::vector<std::int64_t> batch(n);
      for (std::uint32_t i = 0; i < n; ++i)
        batch[i] = static_cast<std::int64_t>((sent + i) << 2 | ((sent + i) % 3));
      caf::anon_send(a, std::move(batch));
    }
    sent += n;
    return true;
  }
};

using continue_atom = caf::atom_constant<caf::atom("continue")>;

/// The sender as a CAF actor, as cohortd's ingest and directory actors are: it sends in
/// slices and yields to the scheduler between them, and backs off while the window is full.
caf::behavior sender_actor(caf::stateful_actor<sender_state>* self, const run_options* opt,
                           std::atomic<std::uint64_t>* applied) {
  self->state.opt = opt;
  self->state.applied = applied;
  self->state.actors.resize(opt->users);
  self->send(self, continue_atom::value);
  return {
    [=](continue_atom) {
      auto& st = self->state;
      for (int i = 0; i < 1000; ++i) {
        if (st.sent - applied->load(std::memory_order_relaxed) > opt->window) {
          self->delayed_send(self, std::chrono::microseconds(200), continue_atom::value);
          return;
        }
        if (!st.send_next([&] { return self->spawn(user_actor, applied); })) {
          self->quit();
          return;
        }
      }
      self->send(self, continue_atom::value);
    },
  };
}

/// The sender as a plain thread outside CAF (every send to an idle actor then goes
/// through the scheduler's queue from outside).
void send_from_thread(caf::actor_system& sys, const run_options& opt, std::atomic<std::uint64_t>& applied) {
  sender_state st;
  st.opt = &opt;
  st.applied = &applied;
  st.actors.resize(opt.users);
  while (st.send_next([&] { return sys.spawn(user_actor, &applied); }))
    wait_for_window(applied, st.sent, opt.window);
}

void run(caf::actor_system& sys, const run_options& opt) {
  std::atomic<std::uint64_t> applied{0};
  const auto t0 = clock_type::now();
  if (opt.sender == "actor")
    sys.spawn(sender_actor, &opt, &applied);
  else
    send_from_thread(sys, opt, applied);
  while (applied.load() < opt.events)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  const auto sent = opt.events;
  std::printf("baseline CAF: %llu events to %llu per-user actors (%u per message, policy %s, %zu threads, "
              "sender %s): %.2f s, %.0f events/s\n",
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(opt.users),
              opt.per_actor_batch, opt.policy.c_str(), opt.threads, opt.sender.c_str(), secs, sent / secs);
  std::printf("RESULT events=%llu seconds=%.3f events_per_s=%.0f rss_kb=%ld\n",
              static_cast<unsigned long long>(sent), secs, sent / secs, rss_kb());
}

bool parse(int argc, char** argv, run_options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    try {
      if (flag == "--events") o.events = std::stoull(value);
      else if (flag == "--users") o.users = std::stoull(value);
      else if (flag == "--window") o.window = std::stoull(value);
      else if (flag == "--per-actor-batch") o.per_actor_batch = static_cast<std::uint32_t>(std::stoul(value));
      else if (flag == "--policy") o.policy = value;
      else if (flag == "--threads") o.threads = std::stoul(value);
      else if (flag == "--sender") o.sender = value;
      else return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  return argc % 2 == 1 && o.users > 0 && o.per_actor_batch > 0 && (o.policy == "sharing" || o.policy == "stealing") &&
         (o.sender == "actor" || o.sender == "thread");
}

}  // namespace

int main(int argc, char** argv) {
  run_options opt;
  if (!parse(argc, argv, opt)) {
    std::cerr << "usage: cohort-baseline-caf [--events N] [--users U] [--window W]\n"
                 "                           [--per-actor-batch K] [--policy sharing|stealing] [--threads T]\n"
                 "                           [--sender actor|thread]\n";
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", opt.policy == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  cfg.set("scheduler.max-threads", opt.threads);
  caf::actor_system sys{cfg};
  run(sys, opt);
  return 0;
}
