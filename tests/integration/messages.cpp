#include "messages.hpp"

#include "json_doc.hpp"

namespace cohort::it {

namespace {

std::string message(std::string_view type, std::string_view user, std::string_view message_id,
                    std::string_view fields, std::string_view extra) {
  return "{\"type\":" + quote(type) + ",\"userId\":" + quote(user) +
         ",\"messageId\":" + quote(message_id) + std::string(fields) + std::string(extra) + "}";
}

} // namespace

std::string track_msg(std::string_view user, std::string_view event, std::string_view message_id,
                      std::string_view extra) {
  return message("track", user, message_id, ",\"event\":" + quote(event), extra);
}

std::string track_without_id(std::string_view user, std::string_view event) {
  return "{\"type\":\"track\",\"userId\":" + quote(user) + ",\"event\":" + quote(event) + "}";
}

std::string page_msg(std::string_view user, std::string_view name, std::string_view message_id,
                     std::string_view extra) {
  return message("page", user, message_id, ",\"name\":" + quote(name), extra);
}

std::string screen_msg(std::string_view user, std::string_view name, std::string_view message_id,
                       std::string_view extra) {
  return message("screen", user, message_id, ",\"name\":" + quote(name), extra);
}

std::string identify_msg(std::string_view user, std::string_view message_id,
                         std::string_view extra) {
  return message("identify", user, message_id, "", extra);
}

std::string batch_of(const std::vector<std::string>& messages, std::string_view extra) {
  std::string out = "{\"batch\":[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0)
      out += ',';
    out += messages[i];
  }
  return out + "]" + std::string(extra) + "}";
}

} // namespace cohort::it
