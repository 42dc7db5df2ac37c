#include "runtime/worker_pool.hpp"

#include <caf/actor_system.hpp>
#include <caf/detail/set_thread_name.hpp>
#include <caf/execution_unit.hpp>

namespace cohort::runtime {

/// One worker thread: runs the pool's jobs until it takes the null job stop() queues.
class worker_pool::worker final : public caf::execution_unit {
public:
  explicit worker(worker_pool& pool) : caf::execution_unit(&pool.system()), pool_(pool) {}

  /// A job made ready while this worker runs an actor (a message to an idle actor).
  void exec_later(caf::resumable* job) override { pool_.enqueue(job); }

  void start() { thread_ = std::thread{[this] { run(); }}; }
  void join() { thread_.join(); }

private:
  void run() {
    caf::detail::set_thread_name("cohort.worker");
    system().thread_started();
    const auto throughput = pool_.max_throughput();
    while (auto* job = pool_.dequeue()) {
      auto outcome = job->resume(this, throughput);
      if (outcome == caf::resumable::resume_later)
        pool_.enqueue(job);  // its share of messages is used up: behind the others
      else if (outcome == caf::resumable::shutdown_execution_unit)
        break;  // only CAF's own shutdown job says this; it is not reference counted
      else
        intrusive_ptr_release(job);  // done, or idle until its next message
    }
    system().thread_terminates();
  }

  worker_pool& pool_;
  std::thread thread_;
};

void worker_pool::install(caf::actor_system_config& cfg) {
  cfg.module_factories.push_back(
    [](caf::actor_system& sys) -> caf::actor_system::module* { return new worker_pool(sys); });
}

worker_pool::worker_pool(caf::actor_system& sys) : abstract_coordinator(sys) {}

worker_pool::~worker_pool() = default;

void worker_pool::enqueue(caf::resumable* job) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    jobs_.push_back(job);
  }
  ready_.notify_one();
}

caf::resumable* worker_pool::dequeue() {
  std::unique_lock<std::mutex> guard{mutex_};
  ready_.wait(guard, [this] { return !jobs_.empty(); });
  auto* job = jobs_.front();
  jobs_.pop_front();
  return job;
}

void worker_pool::start() {
  for (std::size_t i = 0; i < num_workers(); ++i)
    workers_.push_back(std::make_unique<worker>(*this));
  for (auto& w : workers_)
    w->start();
  timer_ = std::thread{[this] {
    caf::detail::set_thread_name("caf.clock");
    system().thread_started();
    clock_.run_dispatch_loop();
    system().thread_terminates();
  }};
  abstract_coordinator::start();
}

void worker_pool::stop() {
  {
    // One null job per worker, behind every job queued now: each worker leaves after
    // what was ready before the stop.
    std::lock_guard<std::mutex> guard{mutex_};
    jobs_.insert(jobs_.end(), workers_.size(), nullptr);
  }
  ready_.notify_all();
  for (auto& w : workers_)
    w->join();
  stop_actors();
  clock_.cancel_dispatch_loop();
  timer_.join();
  // Jobs made ready after the null ones will not run: their actors are released.
  std::deque<caf::resumable*> left;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    left.swap(jobs_);
  }
  for (auto* job : left)
    if (job != nullptr)
      cleanup_and_release(job);
}

} // namespace cohort::runtime
