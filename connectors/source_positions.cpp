#include "connectors/source_positions.hpp"

#include <charconv>

namespace cohort::connectors {

std::string position_key(const std::string& group, const std::string& topic,
                         std::int32_t partition) {
  return "kafka.source/" + group + "/" + topic + "/" + std::to_string(partition);
}

std::string position_value(std::int64_t next_offset) {
  return std::to_string(next_offset);
}

result<std::optional<std::int64_t>> stored_position(storage::store& db, const std::string& key) {
  std::string value;
  auto st = db.db().Get(rocksdb::ReadOptions{}, db.handle(storage::family::meta), key, &value);
  if (st.IsNotFound())
    return std::optional<std::int64_t>{};
  if (!st.ok())
    return failure{500, "reading " + key + " failed: " + st.ToString()};
  std::int64_t offset = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), offset);
  if (ec != std::errc{} || end != value.data() + value.size() || offset < 0)
    return failure{500, key + " holds '" + value + "', not an offset"};
  return std::optional<std::int64_t>{offset};
}

} // namespace cohort::connectors
