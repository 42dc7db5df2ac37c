// cohortd: parse flags, load and validate the config (exit 2 before anything is written),
// start the node, serve until SIGINT or SIGTERM.

#include <execinfo.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "runtime/demo.hpp"
#include "actors/model_loader.hpp"
#include "runtime/node.hpp"
#include "runtime/options.hpp"
#include "http/tls_context.hpp"

namespace {

constexpr int exit_runtime_failure = 1;
constexpr int exit_usage = 2;

/// SIGHUP reloads rules; SIGINT and SIGTERM stop. Signals are taken by sigwait in main, so they are blocked before any thread starts.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

/// An uncaught exception is a bug: say what it was and where (addr2line -e cohortd reads
/// the addresses), instead of libstdc++'s bare "terminate called".
[[noreturn]] void report_and_abort() {
  if (auto current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      std::cerr << "cohortd: uncaught exception: " << e.what() << std::endl;
    } catch (...) {
      std::cerr << "cohortd: uncaught exception of an unknown type" << std::endl;
    }
  }
  void* frames[64];
  int n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  std::abort();
}

} // namespace

int main(int argc, char** argv) {
  using namespace cohort;
  std::set_terminate(report_and_abort);
  auto opts = runtime::parse_options({argv + 1, argv + argc});
  if (!opts) {
    std::cerr << "cohortd: " << opts.error().reason << '\n';
    return exit_usage;
  }
  if (opts->help) {
    std::cout << runtime::usage();
    return 0;
  }
  if (opts->version) {
    std::cout << "cohortd " << COHORT_VERSION << '\n';
    return 0;
  }
  auto loaded = config::load_file(opts->config_path);
  for (const auto& err : loaded.errors)
    std::cerr << "cohortd: config error: " << err.to_string(opts->config_path) << '\n';
  if (!loaded.ok())
    return exit_usage;
  if (auto applied = runtime::apply_options(*opts, loaded.cfg); !applied) {
    std::cerr << "cohortd: " << applied.error().reason << '\n';
    return exit_usage;
  }
  // A bad certificate or key is a config error like any other: exit 2 before starting.
  if (auto tls = http::tls_context::load(loaded.cfg.http.tls); !tls) {
    std::cerr << "cohortd: config error: " << opts->config_path << ": " << tls.error().reason
              << '\n';
    return exit_usage;
  }
  const bool tls_on = !loaded.cfg.http.tls.cert_file.empty();
  if (tls_on && opts->demo) {
    std::cerr << "cohortd: --demo drives the node over plain HTTP: it cannot run with http.tls\n";
    return exit_usage;
  }
  std::vector<std::string> model_errors;
  auto model = actors::build_model(loaded.cfg, 1, model_errors);
  for (const auto& err : model_errors)
    std::cerr << "cohortd: config error: " << opts->config_path << ": " << err << '\n';
  if (!model)
    return exit_usage;
  auto signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const auto demo_write_key = loaded.cfg.ingest.write_keys.empty()
                                ? std::string{}
                                : loaded.cfg.ingest.write_keys.front();
  auto node = runtime::node::start(std::move(loaded.cfg), std::move(model));
  if (!node) {
    std::cerr << "cohortd: " << node.error().reason << '\n';
    return exit_runtime_failure;
  }
  const auto base = (tls_on ? "https://" : "http://") + (*node)->listen();
  std::cout << "cohortd listening on " << base << std::endl;
  if (auto cluster = (*node)->cluster_address())
    std::cout << "cohortd cluster on " << *cluster << " (node " << (*node)->id() << ")"
              << std::endl;
  std::unique_ptr<runtime::demo> demo;
  if (opts->demo) {
    demo = std::make_unique<runtime::demo>(base, demo_write_key);
    std::cout << runtime::demo_banner(base) << std::flush;
  }
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    auto outcome = (*node)->reload();
    std::cout << "cohortd: SIGHUP: rules " << (outcome.applied ? "reloaded" : "NOT reloaded")
              << ", model version " << outcome.version << std::endl;
    for (const auto& err : outcome.errors)
      std::cerr << "cohortd: reload refused: " << err << '\n';
  }
  std::cout << "cohortd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping" << std::endl;
  demo.reset();
  (*node)->stop();
  return 0;
}
