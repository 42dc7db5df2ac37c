#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "codecs/result.hpp"

namespace cohort::codecs {

/// The msgpack bytes of `value`: what records on disk and in Kafka are made of.
template <class T>
std::string pack(const T& value) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, value);
  return std::string(buf.data(), buf.size());
}

/// Unpacks `bytes` as T; fails (400) naming `what` on bytes that are not one (truncated,
/// another shape): records come from disks and brokers, so a bad one is a value, not a
/// crash.
template <class T>
result<T> unpack(std::string_view bytes, const char* what) {
  try {
    auto handle = msgpack::unpack(bytes.data(), bytes.size());
    return handle.get().as<T>();
  } catch (const std::exception& e) {  // msgpack's unpack and type errors alike
    return failure{400, std::string("unreadable ") + what + ": " + e.what()};
  }
}

} // namespace cohort::codecs
