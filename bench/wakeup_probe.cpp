// cohort-wakeup-probe: how late a sleeping thread wakes on this machine, beside a load.
//
// Every hop of an event through cohortd (HTTP thread, worker, ingest actor, publisher,
// WebSocket thread) is a sleeping thread woken. On a machine whose cores are shared, the
// woken thread may wait for a core; no server can answer faster than the machine wakes it.
// bench/run.sh runs this probe beside each offered load, so the tail Cohort shows there
// sits beside the floor the machine gave any thread at that moment. It sleeps
// 1 ms at a time and records how much longer than asked each sleep took. Prints figures
// only; nothing is asserted.
//
//   cohort-wakeup-probe [--seconds S]   (default 10)
//
// Output: one line "RESULT wakeups=N p50_ms=.. p99_ms=.. p999_ms=.. max_ms=..".
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "cli_values.hpp"
#include "latency_sample.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

/// Each 1 ms sleep's lateness: from when it should have ended to when it did.
cohort_bench::latency_sample sample_oversleeps(double seconds) {
  constexpr auto asked = std::chrono::milliseconds(1);
  cohort_bench::latency_sample late;
  const auto end = clock_type::now() + std::chrono::duration<double>(seconds);
  for (auto before = clock_type::now(); before < end;) {
    std::this_thread::sleep_for(asked);  // what is measured, not a wait for something
    const auto after = clock_type::now();
    late.add(before + asked, after);
    before = after;
  }
  return late;
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
  std::printf("RESULT wakeups=%zu p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
              late.size(), late.quantile_ms(0.5), late.quantile_ms(0.99),
              late.quantile_ms(0.999), late.quantile_ms(1.0));
  return 0;
}
