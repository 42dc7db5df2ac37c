#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codecs/event.hpp"

namespace cohort::actors {

/// What the feature definitions (SPEC 9) need to know about one event, read once from its
/// flattened properties and context.
struct event_facts {
  bool view = false;             ///< page_view or product_view: counts toward page depth.
  std::uint64_t path_hash = 0;   ///< Stable hash of the viewed path; 0 when none.
  std::optional<double> duration_s;      ///< properties.duration, seconds.
  std::optional<double> scroll_depth;    ///< properties.scroll_depth, percent.
  std::string device;            ///< mobile | tablet | desktop | "" (unknown).
  std::string source;            ///< utm source, referrer host, or "" (unknown).
};

/// Extracts the facts. The path is properties.path, else context page.path, else
/// properties.url, else "product:" + properties.product_id for product views.
/// The device comes from context device.type, else the user agent; the source from
/// context campaign.source, else properties.utm_source, else the referrer's host.
event_facts facts_of(const codecs::event& ev);

} // namespace cohort::actors
