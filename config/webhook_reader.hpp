#pragma once

#include <vector>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace cohort::config {

/// Reads `webhooks:` (a list of destinations), reporting each problem at its key and line:
/// a URL that is not http://host:port/path, an unknown event name, a secret that is not
/// `whsec_` + base64 of 24..64 bytes (the secret itself is never quoted), bad limits.
void read_webhooks(yaml_reader& r, const field& f, std::vector<webhook_config>& out);

/// The change kinds a destination may ask for, in the order SPEC 4 lists them.
const std::vector<std::string>& webhook_event_names();

} // namespace cohort::config
