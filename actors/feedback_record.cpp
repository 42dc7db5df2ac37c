#include "actors/feedback_record.hpp"

#include <tuple>

#include "codecs/msgpack_bytes.hpp"

namespace cohort::actors {

namespace {

using wire = std::tuple<std::uint8_t, decision_record, std::string, std::vector<outcome_item>,
                        std::int64_t, std::uint64_t>;

} // namespace

std::string encode(const feedback_record& r) {
  return codecs::pack(wire{static_cast<std::uint8_t>(r.what), r.decision, r.request, r.items,
                           r.at_ms, r.from_version});
}

result<feedback_record> decode_feedback(std::string_view bytes) {
  auto w = codecs::unpack<wire>(bytes, "feedback record");
  if (!w)
    return w.error();
  auto& [what, decision, request, items, at_ms, from_version] = *w;
  if (what > static_cast<std::uint8_t>(feedback_record::kind::rollback))
    return failure{400, "feedback record of unknown kind " + std::to_string(what)};
  return feedback_record{static_cast<feedback_record::kind>(what), std::move(decision),
                         std::move(request), std::move(items), at_ms, from_version};
}

} // namespace cohort::actors
