#pragma once

#include <cstdint>
#include <vector>

#include <msgpack.hpp>

#include "codecs/event.hpp"

namespace cohort::actors {

/// The latest raw events of one user, kept for inspection (profile API, console). Every
/// live user keeps up to `sessions.recent_events` of them, so they are held msgpack-encoded
/// in one buffer: a decoded codecs::event costs ~0.6 KiB of heap in a dozen allocations,
/// its encoding ~0.15 KiB in none (once the buffer has grown), and a snapshot copies the
/// bytes instead of packing each field again.
class recent_events {
public:
  /// Keeps at most `capacity` events (0: none).
  explicit recent_events(std::size_t capacity) : capacity_(capacity) {}

  /// Appends `ev`, dropping the oldest past the capacity.
  void push(const codecs::event& ev);

  /// Adds the events `other` keeps (a merged profile), ordered by event time, the newest
  /// `capacity` kept.
  void absorb(const recent_events& other);

  /// The events, oldest first.
  std::vector<codecs::event> decoded() const;

  std::size_t size() const { return items_.size(); }

  /// Packs an array of events: the format of the std::deque<codecs::event> this replaced,
  /// so earlier snapshots still read.
  template <typename Packer>
  void msgpack_pack(Packer& pk) const {
    pk.pack_array(static_cast<std::uint32_t>(items_.size()));
    // The buffer already holds each element's encoding; the body call appends bytes as is.
    pk.pack_bin_body(bytes_.data(), static_cast<std::uint32_t>(bytes_.size()));
  }

  /// Reads an array of events; throws msgpack::type_error on anything else.
  void msgpack_unpack(const msgpack::object& obj);

private:
  struct item {
    std::int64_t timestamp_ms;
    std::uint32_t size;  ///< Bytes of its encoding in bytes_.
  };
  void drop_oldest();
  void encode(const codecs::event& ev);
  void append(std::int64_t timestamp_ms, const char* data, std::size_t size);

  std::size_t capacity_;
  std::vector<item> items_;  ///< Oldest first.
  /// The items' encodings, concatenated in order. A vector, not a string: its capacity
  /// is ours to set (libstdc++ doubles a string's), and slack is paid per live user.
  std::vector<char> bytes_;
};

} // namespace cohort::actors
