#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <msgpack.hpp>

namespace cohort::actors {

/// A map from string keys to V kept as one sorted vector. A user's maps hold a handful of
/// keys (event types): std::map spends a heap node (~80 bytes) per key and a cache miss
/// per step of a lookup, which for 100k users' cold state is most of what a lookup costs.
/// Packs as a msgpack map, exactly as std::map does, so either reads the other's bytes.
template <class V>
class small_map {
public:
  using value_type = std::pair<std::string, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  /// The value of `key`, inserted (default-constructed) in key order when absent.
  V& operator[](std::string_view key) {
    auto it = items_.begin() + (lower_bound(key) - items_.cbegin());
    if (it == items_.end() || it->first != key)
      it = items_.emplace(it, std::string{key}, V{});
    return it->second;
  }

  /// The entry of `key`, or end().
  const_iterator find(std::string_view key) const {
    auto it = lower_bound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }

  /// Removes the entry at `it`; returns the entry after it.
  iterator erase(iterator it) { return items_.erase(it); }

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  /// A copy as a std::map (for views handed out of the actor).
  std::map<std::string, V> to_map() const { return {items_.begin(), items_.end()}; }

  template <class Packer>
  void msgpack_pack(Packer& pk) const {
    pk.pack_map(static_cast<std::uint32_t>(items_.size()));
    for (const auto& [key, value] : items_) {
      pk.pack(key);
      pk.pack(value);
    }
  }

  /// Reads a msgpack map of string keys; throws msgpack::type_error on anything else.
  void msgpack_unpack(const msgpack::object& obj) {
    if (obj.type != msgpack::type::MAP)
      throw msgpack::type_error();
    items_.clear();
    items_.reserve(obj.via.map.size);
    for (std::uint32_t i = 0; i < obj.via.map.size; ++i) {
      const auto& kv = obj.via.map.ptr[i];
      (*this)[kv.key.as<std::string>()] = kv.val.as<V>();
    }
  }

private:
  /// The first entry whose key is not less than `key`.
  const_iterator lower_bound(std::string_view key) const {
    auto less = [](const value_type& item, std::string_view k) { return item.first < k; };
    return std::lower_bound(items_.begin(), items_.end(), key, less);
  }

  std::vector<value_type> items_;  ///< Sorted by key, keys unique.
};

} // namespace cohort::actors
