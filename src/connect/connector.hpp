// A connector (B2a) brings threat intelligence from one source into the store: an HTTP(S) feed,
// a TAXII 2.1 collection or a watched directory. The runner (runner.hpp) calls Run on a schedule;
// a run fetches, imports (formats::Import, as `socmesh ingest`), stores, and reports one line.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "connect/config.hpp"
#include "connect/state.hpp"
#include "core/error.hpp"
#include "curate/ingest_curation.hpp"
#include "model/stix_object.hpp"
#include "store/store.hpp"

namespace socmesh::connect {

// Set once to end every wait of the connectors (SIGTERM, SIGINT, tests). Thread-safe.
class StopSignal {
 public:
  void Stop();
  bool stopped() const;
  // Waits up to `duration`; returns true (early) when stopped.
  bool WaitFor(std::chrono::milliseconds duration) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  bool stopped_ = false;
};

struct SinkOutcome {
  store::IngestOutcome stored;
  size_t merged = 0;  // curation: folded into an indicator already stored (or earlier in the batch)
  size_t dropped = 0;  // curation: dropped by a warning list ("drop" mode)
};

// The store, shared by connectors running on several threads: one Ingest at a time (the SQLite
// backend's connection is single-threaded; curation reads what the previous batch stored).
// With a curator, batches are curated exactly as `socmesh ingest` does (warning lists, one
// indicator per observable with every source's provenance) before they are stored. Thread-safe.
class StoreSink {
 public:
  explicit StoreSink(store::Store& store) : store_(store) {}
  StoreSink(store::Store& store, curate::IngestCurator curator)
      : store_(store), curator_(std::move(curator)) {}
  Result<SinkOutcome> Ingest(std::span<const model::StixObject> batch,
                             const curate::IngestSource& source);

 private:
  std::mutex mutex_;
  store::Store& store_;
  std::optional<curate::IngestCurator> curator_;  // GUARDED_BY(mutex_)
};

enum class RunResult {
  kOk,           // fetched and stored (some objects may have been rejected: see counters)
  kNotModified,  // HTTP 304: nothing to import
  kIdle,         // directory: no file was ready
  kFailed,       // see `error`; nothing of the failed input was stored
};

// "ok", "not-modified", "idle", "failed".
std::string_view RunResultName(RunResult result);

struct RunReport {
  std::string connector;
  ConnectorType type = ConnectorType::kHttp;
  RunResult result = RunResult::kOk;
  std::optional<Error> error;  // when kFailed; never contains secrets
  RunCounters counts;
  size_t attempts = 0;  // requests tried (retries included)
  size_t pages = 0;     // taxii
  std::chrono::milliseconds elapsed{0};
  std::vector<std::string> notes;  // e.g. "retried after 503", "resumed a poll"
};

// The one progress line of a run, e.g.
// "feodo (http): ok, 2740 bytes, 95 objects: 95 inserted, 0 unchanged, 0 rejected; 12 ms".
std::string FormatRunLine(const RunReport& report);

// What a run may use besides its connector.
struct RunContext {
  ConnectorState& state;  // read and updated by the run
  const StopSignal& stop;
  // Persists `state` now (atomically). Connectors call it where a restart must not lose progress
  // (after each stored TAXII page); the runner calls it after each run.
  std::function<Result<void>()> save_state;
};

class Connector {
 public:
  virtual ~Connector() = default;
  const ConnectorConfig& config() const { return config_; }

  // One run. Never throws; failures are in the report (result kFailed). Updates the
  // connector-specific fields of ctx.state (validators, cursor); the runner does the counters.
  virtual RunReport Run(RunContext& ctx) = 0;

  // Waits until the next run is due after `duration`, or earlier when there is work (a file
  // arrived in a watched directory) or `stop` is set.
  virtual void WaitForWork(std::chrono::milliseconds duration, const StopSignal& stop);

 protected:
  explicit Connector(ConnectorConfig config) : config_(std::move(config)) {}
  ConnectorConfig config_;
};

// Creates the connector `config` describes. Errors: kInvalidArgument (bad URL), kIo (the
// directory cannot be created or watched, a token file cannot be read), TLS file errors.
Result<std::unique_ptr<Connector>> MakeConnector(const ConnectorConfig& config, StoreSink& sink);

}  // namespace socmesh::connect
