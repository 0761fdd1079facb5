// Runs the connectors of one configuration: each once (`socmesh connect run --once`) or each on
// its schedule on its own thread until stopped (`socmesh connect run`). Records every run in the
// state file (result, counters) and hands its report to the caller for the progress line.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "connect/config.hpp"
#include "connect/connector.hpp"
#include "connect/state.hpp"
#include "store/store.hpp"

namespace socmesh::connect {

class Runner {
 public:
  using ReportFn = std::function<void(const RunReport&)>;

  // Opens the state file and creates every enabled connector. `store` must outlive the runner.
  // Errors: those of StateFile::Open and MakeConnector.
  static Result<std::unique_ptr<Runner>> Create(const ConnectConfig& config, store::Store& store);

  // Runs every enabled connector once, in configuration order, and returns the reports (also
  // passed to `on_report` as each run ends). Directory connectors import what is there now.
  std::vector<RunReport> RunOnce(const StopSignal& stop, const ReportFn& on_report);

  // Runs every connector on its schedule until `stop`: the first run at once (HTTP and TAXII
  // after a random part of the jitter), then every interval plus jitter; a directory connector
  // runs again as soon as a file arrives. `on_report` is called for every run except a directory
  // run that found nothing, never concurrently.
  void Run(const StopSignal& stop, const ReportFn& on_report);

  StateFile& state() { return *state_; }

 private:
  Runner() = default;
  RunReport RunOne(Connector& connector, const StopSignal& stop);

  std::unique_ptr<StateFile> state_;
  std::unique_ptr<StoreSink> sink_;
  std::vector<std::unique_ptr<Connector>> connectors_;
};

}  // namespace socmesh::connect
