#include "actors/transfer.hpp"

namespace cohort::actors {

namespace {

constexpr const char* transfer_call = "cohort.transfer";

} // namespace

codecs::event transfer_record(const transfer_plan& plan, std::int64_t now_ms) {
  codecs::event rec;
  rec.call = transfer_call;
  rec.type = "transfer";
  rec.user_id = plan.receiver;
  rec.previous_id = plan.giver;
  rec.name = plan.link;
  rec.timestamp_ms = now_ms;
  rec.received_ms = now_ms;
  rec.properties.push_back({"confidence", codecs::value::of_number(plan.confidence)});
  if (!plan.id.empty())
    rec.properties.push_back({"transfer_id", codecs::value::of_string(plan.id)});
  for (const auto& origin : plan.origins)
    rec.properties.push_back({"origin", codecs::value::of_string(origin)});
  return rec;
}

bool is_transfer(const codecs::event& ev) {
  return ev.call == transfer_call;
}

transfer_plan plan_of(const codecs::event& record) {
  transfer_plan plan;
  plan.receiver = record.user_id;
  plan.giver = record.previous_id;
  plan.link = record.name;
  for (const auto& attr : record.properties) {
    if (attr.key == "confidence")
      plan.confidence = attr.val.number;
    else if (attr.key == "origin")
      plan.origins.push_back(attr.val.text);
    else if (attr.key == "transfer_id")
      plan.id = attr.val.text;
  }
  return plan;
}

bool same_transfer(const codecs::event& awaited, const codecs::event& handed) {
  auto id = plan_of(awaited).id;
  return id.empty() ? handed.seq == awaited.seq : plan_of(handed).id == id;
}

namespace {

constexpr std::string_view stub_prefix = "\xc1moved:";

} // namespace

std::string forward_stub(const std::string& receiver) {
  return std::string(stub_prefix) + receiver;
}

std::optional<std::string> forwarded_to(const std::string& stored) {
  if (stored.compare(0, stub_prefix.size(), stub_prefix) != 0)
    return std::nullopt;
  return stored.substr(stub_prefix.size());
}

} // namespace cohort::actors
