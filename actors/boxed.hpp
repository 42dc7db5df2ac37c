#pragma once

#include <memory>

namespace cohort::actors {

/// A value held on the heap only while it is present, copied deeply: 8 bytes inline in
/// place of sizeof(T), for the fields of per-user state that most users never fill (a
/// million live users pay every inline byte a million times).
template <class T>
class boxed {
public:
  boxed() = default;
  boxed(const boxed& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  boxed& operator=(const boxed& other) {
    if (this != &other)
      value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  boxed(boxed&&) noexcept = default;
  boxed& operator=(boxed&&) noexcept = default;

  /// The value, or nullptr while there is none.
  const T* get() const { return value_.get(); }
  T* get() { return value_.get(); }

  /// The value, made (value-initialized) if there was none.
  T& make() {
    if (!value_)
      value_ = std::make_unique<T>();
    return *value_;
  }

  /// Frees the value.
  void reset() { value_.reset(); }

private:
  std::unique_ptr<T> value_;
};

} // namespace cohort::actors
