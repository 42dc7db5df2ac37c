#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

namespace cohort::runtime {

/// cohortd's actor scheduler: `scheduler.max-threads` workers sharing one FIFO of ready
/// actors, as CAF 0.17's work-sharing policy (the NOTES measured work stealing collapsing
/// under fan-out to many actors on two cores). Each event wakes one session actor, and
/// CAF's own scheduler pays two costs per wake-up that this one does not: a std::list node
/// allocated for the queue, and a `dynamic_cast` of the job that its worker loop evaluates
/// for the logger even when logging is compiled out (4.6 % of cohortd's CPU at max).
///
/// CAF uses a scheduler module given in the config instead of its own: install() adds it.
/// A job that throws terminates the process, as under CAF's scheduler.
class worker_pool final : public caf::scheduler::abstract_coordinator {
public:
  /// Makes `cfg`'s actor systems schedule their actors on a worker_pool.
  static void install(caf::actor_system_config& cfg);

  explicit worker_pool(caf::actor_system& sys);
  ~worker_pool() override;

  /// Queues a ready actor (or any resumable) for the next free worker. Never blocks for
  /// long: the queue's lock is held for a push.
  void enqueue(caf::resumable* job) override;

  /// Delayed messages and request timeouts, run by a timer thread.
  caf::actor_clock& clock() noexcept override { return clock_; }

protected:
  /// Starts the workers and the timer thread, then CAF's utility actors.
  void start() override;
  /// Lets every worker finish the jobs queued before it and leave, stops the utility
  /// actors and the timer, then releases the jobs still queued (they will not run).
  void stop() override;

private:
  class worker;

  /// The next job; waits while there is none.
  caf::resumable* dequeue();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<caf::resumable*> jobs_;  ///< guarded by mutex_
  std::vector<std::unique_ptr<worker>> workers_;
  caf::detail::thread_safe_actor_clock clock_;
  std::thread timer_;
};

} // namespace cohort::runtime
