#include "connectors/record_decoder.hpp"

#include "codecs/native_decoder.hpp"
#include "codecs/segment_decoder.hpp"

namespace cohort::connectors {

namespace {

/// msgpack's header of a one-element array (fixarray of 1).
constexpr char msgpack_array_of_one = static_cast<char>(0x91);

result<codecs::decoded_batch> decode_value(const std::string& value, record_format format,
                                           const std::vector<codecs::mapping_rule>& mappings,
                                           const codecs::decode_context& ctx) {
  if (!format.native)
    return codecs::decode_segment("{\"batch\":[" + value + "]}", codecs::segment_call::batch, ctx);
  if (format.msgpack)
    return codecs::decode_native(msgpack_array_of_one + value, codecs::native_format::msgpack,
                                 mappings, ctx);
  return codecs::decode_native("[" + value + "]", codecs::native_format::json, mappings, ctx);
}

} // namespace

std::string record_place(const std::string& topic, std::int32_t partition, std::int64_t offset) {
  return topic + "/" + std::to_string(partition) + "@" + std::to_string(offset);
}

codecs::decoded_batch decode_record(const record_ref& record, record_format format,
                                    const std::vector<codecs::mapping_rule>& mappings,
                                    const codecs::decode_context& ctx) {
  const auto place = record_place(record.topic, record.partition, record.offset);
  auto decoded = record.value.empty()
                   ? result<codecs::decoded_batch>{failure{400, "empty record"}}
                   : decode_value(record.value, format, mappings, ctx);
  codecs::decoded_batch out;
  if (!decoded) {
    out.rejected.push_back({0, decoded.error().reason + " (kafka " + place + ")", record.value});
    return out;
  }
  out = std::move(*decoded);
  for (std::size_t i = 0; i < out.events.size(); ++i)
    if (out.events[i].message_id.empty())
      out.events[i].message_id =
        "kafka:" + place + (i == 0 ? std::string{} : ":" + std::to_string(i));
  for (auto& r : out.rejected) {
    r.reason += " (kafka " + place + ")";
    if (r.raw.empty())
      r.raw = record.value;
  }
  return out;
}

} // namespace cohort::connectors
