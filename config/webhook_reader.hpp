#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace cohort::config {

/// A destination URL taken apart: http[s]://host[:port][/path?query].
struct webhook_url {
  bool tls = false;
  std::string host;
  std::string port;    ///< The URL's, else 80 (http) or 443 (https).
  std::string target;  ///< Path and query ("/" when absent).
};

/// Splits a webhook URL; nullopt when it is not http:// or https:// with a host.
std::optional<webhook_url> split_webhook_url(const std::string& url);

/// Reads `webhooks:` (a list of destinations), reporting each problem at its key and line:
/// a URL that is not http[s]://host[:port]/path, an unreadable ca_file, an unknown event name, a secret that is not
/// `whsec_` + base64 of 24..64 bytes (the secret itself is never quoted), bad limits.
void read_webhooks(yaml_reader& r, const field& f, std::vector<webhook_config>& out);

/// The change kinds a destination may ask for, in the order SPEC 4 lists them.
const std::vector<std::string>& webhook_event_names();

} // namespace cohort::config
