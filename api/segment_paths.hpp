#pragma once

// The paths Segment-compatible SDKs post to, and the call each one carries: the long paths
// of the HTTP Tracking API, the short ones analytics.js 2.0 posts to from browsers, and
// RudderStack's JavaScript SDK's beacon path (writeKey in the query). Ingest serves them;
// dead-letter replay decodes a letter as the path it came in on did.

#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "codecs/segment_decoder.hpp"

namespace cohort::api {

using segment_path = std::pair<std::string_view, codecs::segment_call>;

inline constexpr std::array<segment_path, 15> segment_paths = {{
  {"/v1/batch", codecs::segment_call::batch},       {"/v1/b", codecs::segment_call::batch},
  {"/beacon/v1/batch", codecs::segment_call::batch},
  {"/v1/track", codecs::segment_call::track},       {"/v1/t", codecs::segment_call::track},
  {"/v1/page", codecs::segment_call::page},         {"/v1/p", codecs::segment_call::page},
  {"/v1/screen", codecs::segment_call::screen},     {"/v1/s", codecs::segment_call::screen},
  {"/v1/identify", codecs::segment_call::identify}, {"/v1/i", codecs::segment_call::identify},
  {"/v1/alias", codecs::segment_call::alias},       {"/v1/a", codecs::segment_call::alias},
  {"/v1/group", codecs::segment_call::group},       {"/v1/g", codecs::segment_call::group},
}};

/// The call posted to `path`; nullopt when it is not a Segment path.
inline std::optional<codecs::segment_call> segment_call_of(std::string_view path) {
  for (const auto& [p, call] : segment_paths)
    if (p == path)
      return call;
  return std::nullopt;
}

} // namespace cohort::api
