#pragma once

#include <string>
#include <utility>
#include <variant>

namespace cohort {

/// Why a whole input was refused: an HTTP-style status and a reason a user can act on.
struct failure {
  int status = 400;    ///< HTTP status the refusal maps to (400, 401, 413, 415, ...).
  std::string reason;  ///< Human-readable cause, e.g. "malformed JSON at byte 17".
};

/// Either a value or the failure that prevented it; errors as values, never exceptions.
template <class T>
class result {
public:
  result(T value) : data_(std::move(value)) {}
  result(failure error) : data_(std::move(error)) {}

  /// True when a value is held.
  explicit operator bool() const { return data_.index() == 0; }
  /// The value; precondition: `*this` is true.
  T& operator*() { return std::get<0>(data_); }
  const T& operator*() const { return std::get<0>(data_); }
  T* operator->() { return &std::get<0>(data_); }
  const T* operator->() const { return &std::get<0>(data_); }
  /// The failure; precondition: `*this` is false.
  const failure& error() const { return std::get<1>(data_); }

private:
  std::variant<T, failure> data_;
};

} // namespace cohort
