// cohort-wakeup-probe: how late a sleeping thread wakes on this machine, beside a load.
//
// Every hop of an event through cohortd (HTTP thread, worker, ingest actor, publisher,
// WebSocket thread) is a sleeping thread woken. On a machine whose cores are shared, the
// woken thread may wait for a core; no server can answer faster than the machine wakes it.
// bench/run.sh runs this probe during the 50k-events/s run, so the tail Cohort shows
// there sits beside the floor the machine gave any thread at that moment. It sleeps
// 1 ms at a time and records how much longer than asked each sleep took. Prints figures
// only; nothing is asserted.
//
//   cohort-wakeup-probe [--seconds S]   (default 10)
//
// Output: one line "RESULT wakeups=N p50_ms=.. p99_ms=.. p999_ms=.. max_ms=..".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_values.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

/// Late wake-ups in microseconds: each 1 ms sleep's time beyond the 1 ms asked.
std::vector<double> sample_oversleeps(double seconds) {
  std::vector<double> late;
  late.reserve(static_cast<std::size_t>(seconds * 1000));
  const auto end = clock_type::now() + std::chrono::duration<double>(seconds);
  for (auto before = clock_type::now(); before < end;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto after = clock_type::now();
    const std::chrono::duration<double, std::micro> slept = after - before;
    late.push_back(std::max(0.0, slept.count() - 1000.0));
    before = after;
  }
  return late;
}

/// The q-quantile of sorted `v`, in milliseconds.
double quantile_ms(const std::vector<double>& v, double q) {
  auto idx = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    std::optional<double> value;
    if (flag == "--seconds" && i + 1 < argc)
      value = cohort_bench::parse_number(argv[++i]);
    if (!value || *value <= 0) {
      std::cerr << "usage: cohort-wakeup-probe [--seconds S]  (S > 0)\n";
      return 2;
    }
    seconds = *value;
  }
  auto late = sample_oversleeps(seconds);
  std::sort(late.begin(), late.end());
  std::printf("RESULT wakeups=%zu p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
              late.size(), quantile_ms(late, 0.5), quantile_ms(late, 0.99),
              quantile_ms(late, 0.999), quantile_ms(late, 1.0));
  return 0;
}
