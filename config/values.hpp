#pragma once

#include <string>

namespace cohort::config {

/// Like parse_host_port, but says what is wrong: "" when `text` is a valid host:port,
/// otherwise a short reason ("missing port", "port 70000 is out of range", ...).
/// Port 0 is accepted here; callers that need a real port reject it themselves.
std::string check_host_port(const std::string& text, std::string& host,
                            unsigned short& port);

} // namespace cohort::config
