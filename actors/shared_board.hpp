#pragma once

#include <memory>
#include <mutex>

namespace cohort::actors {

/// An immutable value many threads read while one writer replaces it as a whole: the
/// engine model a reload swaps, the bandit's posteriors, the learned score's current
/// version. A reader keeps the value it got alive for as long as it holds it, so it never
/// sees half of an old value and half of a new one, and never waits for the writer's work
/// (only for the pointer swap). Thread-safe.
template <class T>
class shared_board {
public:
  explicit shared_board(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const T> get() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return current_;
  }

  void set(std::shared_ptr<const T> next) {
    std::lock_guard<std::mutex> guard{mutex_};
    current_ = std::move(next);
  }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
};

} // namespace cohort::actors
