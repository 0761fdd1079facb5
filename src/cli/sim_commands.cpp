// `socmesh sim TOPOLOGY [options]`: the federation simulator (issue 6 item 5; docs/cli.md
// "socmesh sim"). Options -> sim::RunSimulation -> the human summary or the JSON report.
//
// SIGINT/SIGTERM set a flag the simulator polls, so an interrupted run still stops its nodes and
// its proxy and removes its working directory (the nodes also die with the simulator through
// PR_SET_PDEATHSIG, sim/process.hpp).
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>

#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "sim/simulator.hpp"

namespace socmesh::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnSimSignal(int) { g_interrupted.store(true); }

struct SimCliOptions {
  std::string topology;
  std::string workdir;
  bool keep = false;
  bool json = false;
  bool quiet = false;
  bool durable = false;
  uint64_t seed = 1;
  size_t objects = 200;
  std::string faults = "all";
  int timeout_s = 120;
  int settle_s = 15;
  int interval_ms = 50;
  int push_interval_ms = 1000;
  int feed_interval_ms = 1000;
  int fault_ms = 3000;
};

int RunSim(const SimCliOptions& c) {
  sim::SimOptions o;
  o.topology = c.topology;
  o.workdir = c.workdir;
  o.keep = c.keep;
  o.seed = c.seed;
  o.objects = c.objects;
  o.faults = c.faults;
  o.timeout = std::chrono::seconds(c.timeout_s);
  o.settle = std::chrono::seconds(c.settle_s);
  o.publish_interval = std::chrono::milliseconds(c.interval_ms);
  o.push_interval_ms = c.push_interval_ms;
  o.feed_interval_ms = c.feed_interval_ms;
  o.fault_duration = std::chrono::milliseconds(c.fault_ms);
  o.durable = c.durable;
  o.interrupted = &g_interrupted;
  if (!c.quiet) o.progress = [](const std::string& line) { std::cerr << "sim: " << line << "\n"; };

  struct sigaction action {};
  action.sa_handler = OnSimSignal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  auto report = sim::RunSimulation(o);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);

  if (!report) {
    PrintError(report.error());
    switch (report.error().code) {
      case ErrorCode::kNotFound:
        return kExitNotFound;
      case ErrorCode::kInvalidArgument:
      case ErrorCode::kParse:
      case ErrorCode::kTooLarge:
        return kExitUsage;
      default:
        return kExitFailure;
    }
  }
  std::cout << (c.json ? sim::ReportJson(*report) : sim::ReportText(*report));
  const bool clean = report->lost == 0 && report->duplicated == 0 && report->leaked == 0 &&
                     report->publish_failures == 0;
  return clean ? kExitOk : kExitRejected;
}

}  // namespace

void SimCommands(CLI::App& app, const GlobalOptions& /*global*/,
                 std::vector<CommandRunner>& runners) {
  auto c = std::make_shared<SimCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sim", "Simulate a federation: PKI, one node process per topology node, scenario, faults");
  cmd->add_option("topology", c->topology, "Topology file (docs/cli.md, \"Topology file\")")
      ->required();
  cmd->add_option("--workdir", c->workdir,
                  "Working directory (new or empty; kept); default a fresh temporary one");
  cmd->add_flag("--keep", c->keep, "Keep the temporary working directory");
  cmd->add_option("--seed", c->seed, "Scenario seed (default 1)");
  cmd->add_option("--objects", c->objects, "Objects to publish (default 200)")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  cmd->add_option("--faults", c->faults, "all, none, kill or partition (default all)")
      ->check(CLI::IsMember({"all", "none", "kill", "partition"}));
  cmd->add_option("--timeout", c->timeout_s, "Seconds to wait for convergence (default 120)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--settle", c->settle_s,
                  "Stop waiting when nothing arrived for this many seconds (default 15)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--interval", c->interval_ms, "Milliseconds between publications (default 50)")
      ->check(CLI::Range(0, 60000));
  cmd->add_option("--fault-duration", c->fault_ms,
                  "Milliseconds a node stays down / a link stays cut (default 3000)")
      ->check(CLI::Range(0, 600000));
  cmd->add_option("--push-interval", c->push_interval_ms,
                  "Nodes' push_interval_ms: a pusher's idle re-check (default 1000)")
      ->check(CLI::Range(10, 60'000));
  cmd->add_option("--feed-interval", c->feed_interval_ms,
                  "Nodes' feed_interval_ms: the feeder's idle re-check (default 1000)")
      ->check(CLI::Range(10, 60'000));
  cmd->add_flag("--durable", c->durable,
                "fsync every commit (store durability full, audit every-append)");
  cmd->add_flag("--json", c->json, "Machine-readable report");
  cmd->add_flag("-q,--quiet", c->quiet, "No progress lines on stderr");
  runners.push_back([cmd, c]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    return RunSim(*c);
  });
}

}  // namespace socmesh::cli
