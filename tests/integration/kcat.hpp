#pragma once

// Debian's kcat as an outside Kafka producer and consumer for the tests (scripts/setup.sh
// installs it).

#include <string>
#include <utility>
#include <vector>

namespace cohort::it {

/// The kcat on PATH; throws std::runtime_error saying how to get it when there is none.
std::string kcat();

/// Produces each (key, value) as one record to `topic` with kcat, every one acknowledged
/// before it returns; throws std::runtime_error with kcat's stderr when it fails. Values
/// must not hold a tab or a newline.
void kcat_produce(const std::string& bootstrap, const std::string& topic,
                  const std::vector<std::pair<std::string, std::string>>& records);

/// Every record of `topic` on `bootstrap` as "key value" lines, read from the beginning to
/// the end with kcat; throws std::runtime_error with kcat's stderr when it fails.
std::vector<std::string> kcat_records(const std::string& bootstrap, const std::string& topic);

} // namespace cohort::it
