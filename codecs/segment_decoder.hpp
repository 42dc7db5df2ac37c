#pragma once

#include <string>

#include "codecs/decoded_batch.hpp"
#include "codecs/result.hpp"

namespace cohort::codecs {

/// The endpoint a Segment body arrived on.
enum class segment_call { batch, track, page, screen, identify, alias, group };

/// Decodes a Segment HTTP Tracking API body (`/v1/batch` or one `/v1/<call>`).
/// Fails as a whole (400) only when the body is not JSON or not the expected shape;
/// otherwise each message is validated on its own (userId or anonymousId, `event` for
/// track, `previousId` for alias, ISO 8601 times, size) and refused ones are listed.
/// Event time follows Segment: receivedAt - (sentAt - originalTimestamp) when both are
/// present, else `timestamp`, else `originalTimestamp`, else receivedAt.
/// Choices where Segment is silent or lenient:
/// - On `/v1/<call>` the endpoint names the call; a `type` in the body is ignored.
/// - A numeric userId/anonymousId/messageId/previousId is kept as its decimal text.
/// - `group` requires `groupId`, which is kept as property "groupId".
/// - A batch-level `context` is merged under each message's own context (message keys win);
///   a batch-level `sentAt` applies to messages without their own. A batch `sentAt` that is
///   not ISO 8601 fails the whole request (400), as it would skew every message.
/// - Page/screen properties are kept as sent; nothing is copied in from context.page.
/// A body with json_body_padding bytes of capacity after it is parsed in place.
result<decoded_batch> decode_segment(const std::string& body, segment_call call,
                                     const decode_context& ctx);

} // namespace cohort::codecs
