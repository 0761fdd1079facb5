// `socmesh maintain` (decay, expiry, revocation; curate/maintenance.hpp) and the curation step of
// `socmesh ingest` (curate/consolidate.hpp, curate/warninglist.hpp).
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "cli/curate_ingest.hpp"
#include "curate/consolidate.hpp"
#include "curate/ingest_curation.hpp"
#include "curate/local_sources.hpp"
#include "curate/maintenance.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::cli {

namespace {

model::Timestamp Now() {
  return {std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

// The CLI face of curate::IngestCurator: prints what warning lists dropped.
class Curation final : public IngestCuration {
 public:
  Curation(curate::IngestCurator curator, std::string preset, bool quiet)
      : curator_(std::move(curator)), preset_(std::move(preset)), quiet_(quiet) {}

  Result<std::vector<model::StixObject>> Curate(std::span<const model::StixObject> batch,
                                                store::Store& store, formats::Format format,
                                                const std::string& path) override {
    auto curated = curator_.Curate(batch, store, {format, path, preset_});
    if (!curated) return std::unexpected(curated.error());
    if (!quiet_) {
      for (const auto& d : curated->report.dropped) {
        std::cerr << path << ": dropped " << d.id << " (" << d.observable << "): warning list "
                  << d.list << "\n";
      }
    }
    return std::move(curated->objects);
  }

  std::string Summary() const override { return curator_.totals().Summary(); }

 private:
  curate::IngestCurator curator_;
  std::string preset_;
  bool quiet_;
};

// --- maintain -------------------------------------------------------------------------------

struct MaintainOptions {
  std::string now;
  bool dry_run = false;
  std::string config;
  std::string every;
  bool json = false;
  bool verbose = false;
};

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop = true; }

int RunMaintainOnce(const GlobalOptions& g, const MaintainOptions& o,
                    const curate::MaintenanceOptions& base) {
  store::StoreOptions so;
  so.location = g.store.empty() ? store::DefaultStoreLocation() : g.store;
  so.read_only = o.dry_run;
  so.create_if_missing = false;
  auto key = LoadStoreKey(g);  // encryption at rest (B13)
  if (!key) {
    PrintError(key.error());
    return kExitFailure;
  }
  so.at_rest_key = std::move(*key);
  auto store = store::OpenStore(so);
  if (!store) {
    PrintError(store.error());
    return kExitFailure;
  }
  curate::MaintenanceOptions m = base;
  if (o.now.empty()) m.now = Now();
  auto report = curate::RunMaintenance(**store, curate::StatePathForStore(so.location), m);
  if (!report) {
    PrintError(report.error());
    return kExitFailure;
  }
  if (o.json) {
    model::JsonWriter w;
    w.BeginObject()
        .Key("now")
        .String(model::FormatTimestamp(m.now))
        .Key("dry_run")
        .Bool(o.dry_run)
        .Key("indicators")
        .Int(static_cast<int64_t>(report->indicators))
        .Key("active")
        .Int(static_cast<int64_t>(report->active))
        .Key("expired")
        .Int(static_cast<int64_t>(report->expired))
        .Key("newly_expired")
        .Int(static_cast<int64_t>(report->newly_expired))
        .Key("revoked")
        .Int(static_cast<int64_t>(report->revoked))
        .Key("revocations")
        .Int(static_cast<int64_t>(report->revocations))
        .Key("sightings")
        .Int(static_cast<int64_t>(report->sightings));
    if (o.verbose) {
      w.Key("states").BeginArray();
      for (const auto& s : report->states) {
        w.BeginObject()
            .Key("id")
            .String(s.id)
            .Key("status")
            .String(curate::IndicatorStatusName(s.status))
            .Key("score")
            .Double(s.score)
            .Key("last_seen")
            .String(model::FormatTimestamp(s.last_seen))
            .Key("reason")
            .String(s.reason)
            .EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
    std::cout << w.str() << "\n";
  } else {
    if (o.verbose) {
      for (const auto& s : report->states) {
        std::cout << s.id << " " << curate::IndicatorStatusName(s.status) << " " << s.reason
                  << "\n";
      }
    }
    std::cout << (o.dry_run ? "maintain (dry run): " : "maintain: ") << report->indicators
              << " indicators, " << report->active << " active, " << report->expired << " expired ("
              << report->newly_expired << " new), " << report->revoked << " revoked, "
              << report->revocations << " revocation(s) " << (o.dry_run ? "would be " : "")
              << "written, " << report->sightings << " refreshed by sightings\n";
  }
  return kExitOk;
}

int RunMaintain(const GlobalOptions& g, const MaintainOptions& o) {
  curate::MaintenanceOptions base;
  base.dry_run = o.dry_run;
  for (const auto& [id, name] : curate::LocalFeedCreators()) base.local_creators.insert(id);
  if (!o.config.empty()) {
    auto policy = curate::LoadDecayPolicy(o.config);
    if (!policy) {
      PrintError(policy.error());
      return kExitUsage;
    }
    base.policy = std::move(*policy);
  }
  if (!o.now.empty()) {
    std::string t = o.now;
    if (t.size() == 10) t += "T00:00:00Z";
    auto parsed = model::ParseTimestamp(t);
    if (!parsed) {
      PrintError({ErrorCode::kInvalidArgument, "--now: " + parsed.error().message});
      return kExitUsage;
    }
    base.now = *parsed;
  }
  if (o.every.empty()) return RunMaintainOnce(g, o, base);
  auto every = curate::ParseDuration(o.every);
  if (!every || *every <= 0) {
    PrintError({ErrorCode::kInvalidArgument,
                "--every: " + (every ? std::string("must be positive") : every.error().message)});
    return kExitUsage;
  }
  // Scheduled mode: one pass per period until SIGTERM / SIGINT; a failed pass is reported and
  // the next one tried (a busy store must not end the schedule).
  std::signal(SIGTERM, OnStopSignal);
  std::signal(SIGINT, OnStopSignal);
  while (!g_stop) {
    RunMaintainOnce(g, o, base);
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(*every);
    while (!g_stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return kExitOk;
}

}  // namespace

void AddIngestCurationOptions(CLI::App* ingest, IngestCurationOptions& options) {
  ingest
      ->add_option("--warninglists", options.warninglists,
                   "Warning lists: flag (default; label and lower confidence), drop (lists whose "
                   "action is drop drop, others flag) or off")
      ->check(CLI::IsMember({"off", "flag", "drop"}));
  ingest->add_option("--warninglists-dir", options.warninglists_dir,
                     "Directory of warning-list files (default: the shipped data/warninglists)");
  ingest->add_option("--warninglist", options.list_overrides,
                     "Override one list: NAME=flag|drop|off (repeatable)");
  ingest->add_flag("--no-consolidate", options.no_consolidate,
                   "Store every feed indicator as given (no one-indicator-per-observable merge)");
}

Result<std::unique_ptr<IngestCuration>> MakeIngestCuration(const IngestCurationOptions& options) {
  curate::IngestCurationSettings settings;
  settings.warninglists = options.warninglists;
  settings.warninglists_dir = options.warninglists_dir;
  settings.list_overrides = options.list_overrides;
  settings.consolidate = !options.no_consolidate;
  std::vector<std::string> warnings;
  auto curator = curate::IngestCurator::Create(settings, &warnings);
  for (const auto& w : warnings) std::cerr << "socmesh: warning list " << w << "\n";
  if (!curator) {
    Error e = curator.error();
    // Name the options the user typed.
    if (e.message.starts_with("warninglists:")) e.message = "--" + e.message;
    if (e.message.starts_with("warning list override ")) {
      e.message = "--warninglist " + e.message.substr(sizeof("warning list override ") - 1);
    }
    return std::unexpected(e);
  }
  return std::unique_ptr<IngestCuration>(
      new Curation(std::move(*curator), options.preset, options.quiet));
}

void CurateCommands(CLI::App& app, const GlobalOptions& global,
                    std::vector<CommandRunner>& runners) {
  auto options = std::make_shared<MaintainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "maintain",
      "Decay scores, expiry and optional revocation of indicators (scheduled maintenance pass)");
  cmd->add_option("--now", options->now, "Evaluate at this time instead of the clock (STIX time)");
  cmd->add_flag("--dry-run", options->dry_run, "Compute and report; change nothing");
  cmd->add_option("--config", options->config, "Decay policy (TOML; see docs/cli.md)");
  cmd->add_option("--every", options->every,
                  "Run again every DURATION (e.g. 1h, 1d) until SIGTERM");
  cmd->add_flag("--json", options->json, "Print the report as JSON");
  cmd->add_flag("-v,--verbose", options->verbose, "List every indicator's status and reason");
  runners.push_back([cmd, options, &global]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    return RunMaintain(global, *options);
  });
}

}  // namespace socmesh::cli
