// `socmesh connect …`: connectors (B2a) from the command line — run them once or on their
// schedules, and show what they last did. Composition only; every decision lives in connect/.
// See docs/cli.md, "socmesh connect".
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "connect/config.hpp"
#include "connect/runner.hpp"
#include "connect/state.hpp"
#include "model/canonical_json.hpp"
#include "model/timestamp.hpp"
#include "store/store.hpp"

namespace socmesh::cli {

namespace {

struct ConnectOptions {
  std::string config;
  bool once = false;
  bool quiet = false;
  bool json = false;
};

std::string Now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return model::FormatTimestamp(
      {std::chrono::duration_cast<std::chrono::microseconds>(now).count()});
}

// One line per run: successes on stdout, failures on stderr. Messages come from connect/, which
// keeps tokens, header values and URL queries out of them.
void PrintRun(const connect::RunReport& r, bool quiet) {
  const std::string line = Now() + " " + connect::FormatRunLine(r);
  if (r.result == connect::RunResult::kFailed) {
    std::cerr << "socmesh: connect: " << line << std::endl;
  } else if (!quiet) {
    std::cout << line << std::endl;
  }
}

// Turns SIGINT / SIGTERM into StopSignal::Stop. The signals are blocked in every thread and
// taken by sigwait in one, because a signal handler may not lock the signal's mutex.
class SignalStopper {
 public:
  explicit SignalStopper(connect::StopSignal& stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR1);  // our own "done" wake-up
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this, &stop] {
      int sig = 0;
      sigwait(&set_, &sig);
      if (sig != SIGUSR1) stop.Stop();
    });
  }
  ~SignalStopper() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalStopper(const SignalStopper&) = delete;
  SignalStopper& operator=(const SignalStopper&) = delete;

 private:
  sigset_t set_{}, old_{};
  std::thread thread_;
};

int RunConnectors(const GlobalOptions& g, const ConnectOptions& o) {
  // First of all, so that every thread started from here on (store, connectors) has SIGTERM and
  // SIGINT blocked and the signal reaches the waiting thread instead of killing the process.
  connect::StopSignal stop;
  SignalStopper signals(stop);
  auto config = connect::LoadConfig(o.config);
  if (!config) {
    PrintError(config.error());
    return kExitUsage;
  }
  auto key = LoadStoreKey(g);
  if (!key) {
    PrintError(key.error());
    return kExitFailure;
  }
  store::StoreOptions options;
  options.location = g.store.empty() ? store::DefaultStoreLocation() : g.store;
  options.at_rest_key = *key;
  auto store = store::OpenStore(options);
  if (!store) {
    PrintError(store.error());
    return kExitFailure;
  }
  auto runner = connect::Runner::Create(*config, **store);
  if (!runner) {
    PrintError(runner.error());
    return kExitFailure;
  }
  auto print = [&o](const connect::RunReport& r) { PrintRun(r, o.quiet); };
  if (!o.once) {
    (*runner)->Run(stop, print);
    return kExitOk;
  }
  bool failed = false, rejected = false;
  for (const auto& r : (*runner)->RunOnce(stop, print)) {
    failed |= r.result == connect::RunResult::kFailed;
    rejected |= r.counts.rejected > 0 || r.counts.files_failed > 0;
  }
  return failed ? kExitFailure : rejected ? kExitRejected : kExitOk;
}

int ShowStatus(const ConnectOptions& o) {
  auto config = connect::LoadConfig(o.config);
  if (!config) {
    PrintError(config.error());
    return kExitUsage;
  }
  auto states = connect::StateFile::Open(config->state_file);
  if (!states) {
    PrintError(states.error());
    return kExitFailure;
  }
  if (o.json) {
    model::JsonWriter w;
    w.BeginObject().Key("state_file").String(config->state_file).Key("connectors").BeginArray();
    for (const auto& c : config->connectors) {
      w.BeginObject()
          .Key("name")
          .String(c.name)
          .Key("type")
          .String(connect::ConnectorTypeName(c.type))
          .Key("enabled")
          .Bool(c.enabled)
          .Key("status")
          .Raw(connect::StateToJson(c.name, (*states)->Get(c.name)))
          .EndObject();
    }
    w.EndArray().EndObject();
    std::cout << w.str() << "\n";
    return kExitOk;
  }
  for (const auto& c : config->connectors) {
    const connect::ConnectorState s = (*states)->Get(c.name);
    std::cout << c.name << " (" << connect::ConnectorTypeName(c.type)
              << (c.enabled ? "" : ", disabled") << "): ";
    if (s.runs == 0) {
      std::cout << "never run\n";
      continue;
    }
    std::cout << "last run " << s.last_run << " " << s.last_result << " (" << s.last_duration_ms
              << " ms)";
    if (!s.last_success.empty() && s.last_success != s.last_run) {
      std::cout << ", last success " << s.last_success;
    }
    std::cout << "; " << s.runs << " runs, " << s.failures << " failed; total " << s.total.bytes
              << " bytes, " << s.total.inserted << " inserted, " << s.total.unchanged
              << " unchanged, " << s.total.rejected << " rejected";
    if (c.type == connect::ConnectorType::kDirectory) {
      std::cout << ", " << s.total.files_done << " files done, " << s.total.files_failed
                << " failed";
    }
    if (!s.taxii_added_after.empty()) std::cout << "; added_after " << s.taxii_added_after;
    std::cout << "\n";
    if (!s.last_error.empty()) std::cout << "  last error: " << s.last_error << "\n";
  }
  return kExitOk;
}

}  // namespace

void ConnectCommands(CLI::App& app, const GlobalOptions& global,
                     std::vector<CommandRunner>& runners) {
  auto o = std::make_shared<ConnectOptions>();
  auto* connect = app.add_subcommand(
      "connect", "Connectors: poll HTTP(S) feeds and TAXII collections, watch directories");
  connect->require_subcommand(1);

  auto* run = connect->add_subcommand(
      "run", "Run the connectors of a configuration on their schedules (until SIGTERM/SIGINT)");
  run->add_option("--config", o->config, "Connector configuration (TOML)")->required();
  run->add_flag("--once", o->once,
                "Run every connector once and exit (1 if any failed, 3 if input was rejected)");
  run->add_flag("-q,--quiet", o->quiet, "Print only failed runs");
  runners.push_back([run, o, &global]() -> std::optional<int> {
    if (!*run) return std::nullopt;
    return RunConnectors(global, *o);
  });

  auto* status =
      connect->add_subcommand("status", "Last run, result and counters of every connector");
  status->add_option("--config", o->config, "Connector configuration (TOML)")->required();
  status->add_flag("--json", o->json, "Machine-readable output");
  runners.push_back([status, o]() -> std::optional<int> {
    if (!*status) return std::nullopt;
    return ShowStatus(*o);
  });
}

}  // namespace socmesh::cli
