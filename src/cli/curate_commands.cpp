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
#include "curate/local_sources.hpp"
#include "curate/maintenance.hpp"
#include "formats/csv/feed_config.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::cli {

namespace {

model::Timestamp Now() {
  return {std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

class Curation final : public IngestCuration {
 public:
  Curation(IngestCurationOptions options, std::optional<curate::WarningLists> lists,
           curate::WarningMode mode)
      : options_(std::move(options)), lists_(std::move(lists)), mode_(mode) {}

  Result<std::vector<model::StixObject>> Curate(std::span<const model::StixObject> batch,
                                                store::Store& store, formats::Format format,
                                                const std::string& path) override {
    curate::CurateOptions c;
    const auto creators = curate::LocalFeedCreators();
    for (const auto& [id, name] : creators) c.local_creators.insert(id);
    c.creator_sources = creators;
    c.now = Now();
    c.consolidate = !options_.no_consolidate;
    c.warninglists = lists_ ? &*lists_ : nullptr;
    c.warning_mode = mode_;
    const std::string file = std::filesystem::path(path).filename().string();
    std::vector<model::StixObject> adopted;
    if (format == formats::Format::kCsv) {
      auto preset = formats::csv::FindFeedPreset(options_.preset);
      c.source = preset ? preset->name : options_.preset;
      // The "plain" preset serves any list: the file names the source.
      if (options_.preset == "plain") c.source = "plain:" + file;
      if (preset) c.reference = preset->home_url;
    } else if (format == formats::Format::kText) {
      c.source = "text:" + file;
      auto owned = curate::AdoptAnonymousIndicators(batch);
      if (!owned) return std::unexpected(owned.error());
      adopted = std::move(*owned);
      batch = adopted;
    } else {
      c.source = file;
    }
    auto curated = curate::CurateBatch(batch, store, c);
    if (!curated) return std::unexpected(curated.error());
    const curate::CurateReport& r = curated->report;
    if (!options_.quiet) {
      for (const auto& d : r.dropped) {
        std::cerr << path << ": dropped " << d.id << " (" << d.observable << "): warning list "
                  << d.list << "\n";
      }
    }
    consolidated_ += r.consolidated;
    new_versions_ += r.new_versions;
    unchanged_ += r.unchanged;
    flagged_ += r.flagged;
    flag_not_written_ += r.flag_not_written;
    dropped_ += r.dropped.size();
    return std::move(curated->objects);
  }

  std::string Summary() const override {
    if (consolidated_ + new_versions_ + unchanged_ + flagged_ + dropped_ == 0) return {};
    return "curation: " + std::to_string(consolidated_) + " merged into existing indicators, " +
           std::to_string(new_versions_) + " new version(s), " + std::to_string(unchanged_) +
           " without news, " + std::to_string(flagged_) + " flagged by warning lists (" +
           std::to_string(flag_not_written_) + " of peers, not rewritten), " +
           std::to_string(dropped_) + " dropped";
  }

 private:
  IngestCurationOptions options_;
  std::optional<curate::WarningLists> lists_;
  curate::WarningMode mode_;
  size_t consolidated_ = 0, new_versions_ = 0, unchanged_ = 0, flagged_ = 0, flag_not_written_ = 0,
         dropped_ = 0;
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
  auto mode = curate::ParseWarningMode(options.warninglists);
  if (!mode) {
    return Fail(ErrorCode::kInvalidArgument,
                "--warninglists: \"" + options.warninglists + "\" is not off, flag or drop");
  }
  std::optional<curate::WarningLists> lists;
  if (*mode != curate::WarningMode::kOff) {
    const std::filesystem::path dir = options.warninglists_dir.empty()
                                          ? curate::DefaultWarningListDir()
                                          : std::filesystem::path(options.warninglists_dir);
    std::vector<std::string> warnings;
    auto loaded = curate::WarningLists::LoadDirectory(dir, &warnings);
    if (!loaded) return std::unexpected(loaded.error());
    for (const auto& w : warnings) std::cerr << "socmesh: warning list " << w << "\n";
    lists = std::move(*loaded);
    for (const std::string& o : options.list_overrides) {
      const size_t eq = o.find('=');
      const std::string name = o.substr(0, eq);
      const std::string action = eq == std::string::npos ? "" : o.substr(eq + 1);
      curate::WarningList* list = lists->Find(name);
      if (list == nullptr || (action != "flag" && action != "drop" && action != "off")) {
        return Fail(ErrorCode::kInvalidArgument,
                    "--warninglist " + o + ": expected NAME=flag|drop|off with a loaded list name");
      }
      if (action == "off") {
        list->enabled = false;
      } else {
        list->action =
            action == "drop" ? curate::WarningAction::kDrop : curate::WarningAction::kFlag;
      }
    }
  }
  return std::unique_ptr<IngestCuration>(new Curation(options, std::move(lists), *mode));
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
