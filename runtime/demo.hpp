#pragma once

#include <memory>
#include <string>

namespace cohort::runtime {

/// The --demo shopper simulator: a thread that plays realistic shoppers (browsers,
/// comparison shoppers, cart abandoners, buyers, bouncers; mobile and desktop) and sends
/// their events as Segment batches to the node's own HTTP ingest, so everything a
/// newcomer sees went through the real path. Stops on destruction.
class demo {
public:
  /// Starts sending to `base_url` ("http://127.0.0.1:8080") with `write_key` ("" = none).
  demo(std::string base_url, std::string write_key);
  ~demo();

  demo(const demo&) = delete;
  demo& operator=(const demo&) = delete;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// What to open while the demo runs, for a node at `base_url`.
std::string demo_banner(const std::string& base_url);

} // namespace cohort::runtime
