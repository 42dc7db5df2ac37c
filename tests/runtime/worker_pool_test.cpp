#include <boost/test/unit_test.hpp>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "runtime/worker_pool.hpp"

using namespace std::chrono_literals;
using cohort::runtime::worker_pool;

namespace {

using add_atom = caf::atom_constant<caf::atom("add")>;
using get_atom = caf::atom_constant<caf::atom("get")>;

constexpr auto deadline = std::chrono::seconds(20);

struct counter_state {
  int count = 0;
  std::string thread;  ///< the name of the thread that ran the last message
};

std::string thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

// Spawned with an argument: CAF 0.17 spawning a function without one binds a reference
// to a null tuple (UBSan reports it).
caf::behavior counter(caf::stateful_actor<counter_state>* self, int /*id*/) {
  return {
    [=](add_atom) {
      ++self->state.count;
      self->state.thread = thread_name();
    },
    [=](get_atom) { return caf::make_message(self->state.count, self->state.thread); },
  };
}

/// An actor system scheduled by a worker_pool of `workers` threads.
struct pool_system {
  explicit pool_system(std::size_t workers = 2, std::size_t throughput = 300) {
    worker_pool::install(cfg);
    cfg.set("scheduler.max-threads", workers);
    cfg.set("scheduler.max-throughput", throughput);
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  /// Asks each of `actors` for its count and thread; fails the test past the deadline.
  std::vector<std::pair<int, std::string>> counts(const std::vector<caf::actor>& actors) {
    caf::scoped_actor self{*sys};
    std::vector<std::pair<int, std::string>> out;
    for (const auto& a : actors)
      self->request(a, deadline, get_atom::value)
        .receive([&](int n, std::string thread) { out.emplace_back(n, std::move(thread)); },
                 [&](const caf::error& e) { BOOST_FAIL(sys->render(e)); });
    return out;
  }

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
};

} // namespace

BOOST_AUTO_TEST_SUITE(worker_pool_suite)

BOOST_AUTO_TEST_CASE(many_actors_handle_every_message_once_on_the_pools_threads) {
  pool_system pool;
  BOOST_TEST_REQUIRE(dynamic_cast<worker_pool*>(&pool.sys->scheduler()) != nullptr);
  std::vector<caf::actor> actors;
  for (int i = 0; i < 500; ++i)
    actors.push_back(pool.sys->spawn(counter, i));
  for (int round = 0; round < 20; ++round)
    for (const auto& a : actors)
      caf::anon_send(a, add_atom::value);
  for (const auto& [count, thread] : pool.counts(actors)) {
    BOOST_TEST_REQUIRE(count == 20);
    BOOST_TEST_REQUIRE(thread == "cohort.worker");
  }
}

BOOST_AUTO_TEST_CASE(an_actor_with_more_messages_than_its_share_is_resumed_until_done) {
  pool_system pool{2, 1};  // one message per resume: every further one is a resume later
  auto busy = pool.sys->spawn(counter, 0);
  auto other = pool.sys->spawn(counter, 0);
  for (int i = 0; i < 5000; ++i)
    caf::anon_send(busy, add_atom::value);
  caf::anon_send(other, add_atom::value);
  auto counts = pool.counts({busy, other});
  BOOST_TEST(counts[0].first == 5000);
  BOOST_TEST(counts[1].first == 1);
}

BOOST_AUTO_TEST_CASE(delayed_messages_are_delivered_by_the_pools_clock) {
  pool_system pool;
  auto a = pool.sys->spawn(counter, 0);
  caf::scoped_actor self{*pool.sys};
  self->delayed_send(a, 10ms, add_atom::value);
  self->delayed_send(a, 20ms, add_atom::value);
  // Polled with a deadline: the timer thread delivers them while the test asks.
  const auto until = std::chrono::steady_clock::now() + deadline;
  int count = 0;
  while (count < 2 && std::chrono::steady_clock::now() < until)
    count = pool.counts({a})[0].first;
  BOOST_TEST(count == 2);
}

BOOST_AUTO_TEST_CASE(a_system_stopped_while_its_actors_are_busy_releases_their_jobs) {
  // Actors that message themselves for ever are still queued when the workers leave:
  // the stop must release each of them (its object destroyed), or they leak.
  static std::atomic<int> destroyed{0};
  class spinner : public caf::event_based_actor {
  public:
    using caf::event_based_actor::event_based_actor;
    ~spinner() override { ++destroyed; }
    caf::behavior make_behavior() override {
      return {[this](add_atom) { send(this, add_atom::value); }};
    }
  };
  destroyed = 0;
  pool_system pool;
  pool.sys->await_actors_before_shutdown(false);
  for (int i = 0; i < 50; ++i)
    caf::anon_send(pool.sys->spawn<spinner>(), add_atom::value);
  pool.sys.reset();
  BOOST_TEST(destroyed.load() == 50);
}

BOOST_AUTO_TEST_SUITE_END()
