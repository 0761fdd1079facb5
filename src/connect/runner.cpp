#include "connect/runner.hpp"

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "model/timestamp.hpp"

namespace socmesh::connect {

namespace {

std::string Now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return model::FormatTimestamp(
      {std::chrono::duration_cast<std::chrono::microseconds>(now).count()});
}

void Record(ConnectorState& s, const RunReport& r, const std::string& started) {
  s.type = std::string(ConnectorTypeName(r.type));
  s.last_run = started;
  s.last_result = std::string(RunResultName(r.result));
  s.last_duration_ms = r.elapsed.count();
  ++s.runs;
  if (r.result == RunResult::kFailed) {
    ++s.failures;
    s.last_error = r.error ? r.error->message : "unknown error";
  } else {
    s.last_success = started;
    s.last_error.clear();
  }
  s.last = r.counts;
  s.total += r.counts;
}

std::chrono::milliseconds RandomUpTo(std::chrono::milliseconds max) {
  if (max.count() <= 0) return std::chrono::milliseconds{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::chrono::milliseconds{std::uniform_int_distribution<int64_t>(0, max.count())(rng)};
}

}  // namespace

Result<std::unique_ptr<Runner>> Runner::Create(const ConnectConfig& config, store::Store& store) {
  std::unique_ptr<Runner> runner(new Runner());
  auto state = StateFile::Open(config.state_file);
  if (!state) return std::unexpected(state.error());
  runner->state_ = std::move(*state);
  if (config.curate) {
    auto curator = curate::IngestCurator::Create(config.curation);
    if (!curator) return std::unexpected(curator.error().WithContext("[curation]"));
    runner->sink_ = std::make_unique<StoreSink>(store, std::move(*curator));
  } else {
    runner->sink_ = std::make_unique<StoreSink>(store);
  }
  for (const ConnectorConfig& c : config.connectors) {
    if (!c.enabled) continue;
    auto connector = MakeConnector(c, *runner->sink_);
    if (!connector) return std::unexpected(connector.error());
    runner->connectors_.push_back(std::move(*connector));
  }
  return runner;
}

RunReport Runner::RunOne(Connector& connector, const StopSignal& stop) {
  const std::string& name = connector.config().name;
  const std::string started = Now();
  ConnectorState state = state_->Get(name);
  RunContext ctx{state, stop, [this, &name, &state] { return state_->Put(name, state); }};
  RunReport report = connector.Run(ctx);
  if (report.result == RunResult::kIdle) return report;
  Record(state, report, started);
  if (auto saved = state_->Put(name, state); !saved) {
    report.notes.push_back("state not saved: " + saved.error().message);
  }
  return report;
}

std::vector<RunReport> Runner::RunOnce(const StopSignal& stop, const ReportFn& on_report) {
  std::vector<RunReport> reports;
  for (auto& connector : connectors_) {
    if (stop.stopped()) break;
    reports.push_back(RunOne(*connector, stop));
    if (on_report) on_report(reports.back());
  }
  return reports;
}

void Runner::Run(const StopSignal& stop, const ReportFn& on_report) {
  std::mutex report_mutex;
  std::vector<std::thread> threads;
  for (auto& c : connectors_) {
    Connector* connector = c.get();
    threads.emplace_back([this, connector, &stop, &on_report, &report_mutex] {
      const Schedule& schedule = connector->config().schedule;
      if (connector->config().type != ConnectorType::kDirectory &&
          stop.WaitFor(RandomUpTo(schedule.jitter))) {
        return;
      }
      while (!stop.stopped()) {
        RunReport report = RunOne(*connector, stop);
        if (report.result != RunResult::kIdle && on_report) {
          std::lock_guard lock(report_mutex);
          on_report(report);
        }
        connector->WaitForWork(schedule.interval + RandomUpTo(schedule.jitter), stop);
      }
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace socmesh::connect
