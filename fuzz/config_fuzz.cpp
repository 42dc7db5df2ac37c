// Fuzzes the config loader on arbitrary YAML: every problem must come back as a located
// config_error; nothing may crash, hang or throw past load_text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  auto loaded = cohort::config::load_text(yaml, "fuzz.yaml");
  for (const auto& e : loaded.errors)
    (void)e.to_string("fuzz.yaml");
  return 0;
}
