#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cohort::it {

/// Segment messages as JSON text. `extra` is appended inside the object and must start
/// with a comma, e.g. `,"properties":{"a":1}`.
std::string track_msg(std::string_view user, std::string_view event, std::string_view message_id,
                      std::string_view extra = {});
/// A track without a messageId (a record from a system that sets none).
std::string track_without_id(std::string_view user, std::string_view event = "Product Viewed");
std::string page_msg(std::string_view user, std::string_view name, std::string_view message_id,
                     std::string_view extra = {});
std::string screen_msg(std::string_view user, std::string_view name, std::string_view message_id,
                       std::string_view extra = {});
std::string identify_msg(std::string_view user, std::string_view message_id,
                         std::string_view extra = {});

/// `{"batch":[m...]<extra>}`; `extra` as above.
std::string batch_of(const std::vector<std::string>& messages, std::string_view extra = {});

} // namespace cohort::it
