#include "kcat.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "subprocess.hpp"

namespace cohort::it {

std::string kcat() {
  std::istringstream path{std::getenv("PATH") ? std::getenv("PATH") : ""};
  for (std::string dir; std::getline(path, dir, ':');)
    if (!dir.empty() && ::access((dir + "/kcat").c_str(), X_OK) == 0)
      return dir + "/kcat";
  throw std::runtime_error("kcat not found on PATH (scripts/setup.sh installs it)");
}

void kcat_produce(const std::string& bootstrap, const std::string& topic,
                  const std::vector<std::pair<std::string, std::string>>& records) {
  temp_dir dir("kcat");
  std::string text;
  for (const auto& [key, value] : records)
    text += key + "\t" + value + "\n";
  write_file(dir.path() + "/records", text);
  auto r = run_command({kcat(), "-b", bootstrap, "-P", "-t", topic, "-K", "\t", "-l",
                        dir.path() + "/records"},
                       std::chrono::seconds(60));
  if (r.exit_code != 0)
    throw std::runtime_error("kcat -P -t " + topic + " failed: " + r.err);
}

std::vector<std::string> kcat_records(const std::string& bootstrap, const std::string& topic) {
  auto r = run_command({kcat(), "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e",
                        "-f", "%k %s\n"},
                       std::chrono::seconds(60));
  if (r.exit_code != 0)
    throw std::runtime_error("kcat -C -t " + topic + " failed: " + r.err);
  std::vector<std::string> lines;
  std::istringstream in{r.out};
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      lines.push_back(line);
  return lines;
}

} // namespace cohort::it
