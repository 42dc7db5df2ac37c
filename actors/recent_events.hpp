#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <msgpack.hpp>

#include "codecs/event.hpp"

namespace cohort::actors {

/// The latest raw events of one user, kept for inspection (profile API, console) and in
/// the user's snapshot. They are held msgpack-encoded in one buffer: a decoded
/// codecs::event costs ~0.6 KiB of heap in a dozen allocations, its encoding ~0.15 KiB in
/// none, and a snapshot copies the bytes instead of packing each field again.
///
/// A live user need not hold them all: once a snapshot holding them is written, they
/// can be released (the list becomes partial) and, when the whole list is wanted again,
/// completed from that snapshot. Packing a partial list is a programmer error (it
/// throws std::logic_error): the snapshot would lose the released events.
class recent_events {
public:
  /// Keeps at most `capacity` events (0: none).
  explicit recent_events(std::size_t capacity)
    : capacity_(static_cast<std::uint32_t>(std::min<std::size_t>(capacity, UINT32_MAX))) {}

  /// Appends `ev`, dropping the oldest past the capacity.
  void push(const codecs::event& ev);

  /// Adds the events `other` keeps (a merged profile), ordered by event time, the newest
  /// `capacity` kept. Throws std::logic_error when either list is partial().
  void absorb(const recent_events& other);

  /// The events, oldest first.
  std::vector<codecs::event> decoded() const;

  std::size_t size() const { return items_.size(); }

  /// Changes with every event pushed or merged: a mark for release(); 0 before any.
  std::uint64_t mark() const { return pushed_; }

  /// Frees the events when none came since `mark` (taken with the snapshot that was
  /// written); the list is then partial() until complete(). Otherwise keeps them.
  void release(std::uint64_t mark);

  /// True when older events than those held are in the last written snapshot only.
  bool partial() const { return partial_; }

  /// Puts back the released events, from `stored` (the list the snapshot held).
  void complete(recent_events stored);

  /// Packs an array of events: the format of the std::deque<codecs::event> this replaced,
  /// so earlier snapshots still read.
  template <typename Packer>
  void msgpack_pack(Packer& pk) const {
    if (partial_)
      throw std::logic_error("recent events packed while released: complete() them first");
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

  std::uint32_t capacity_;  // 32 bits, beside partial_: 8 bytes less per live user
  bool partial_ = false;
  std::uint64_t pushed_ = 0;  ///< Counts pushes and merges (release() marks).
  std::vector<item> items_;  ///< Oldest first.
  /// The items' encodings, concatenated in order. A vector, not a string: its capacity
  /// is ours to set (libstdc++ doubles a string's), and slack is paid per live user.
  std::vector<char> bytes_;
};

} // namespace cohort::actors
