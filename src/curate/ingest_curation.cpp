#include "curate/ingest_curation.hpp"

#include <chrono>
#include <filesystem>

#include "curate/local_sources.hpp"
#include "formats/csv/feed_config.hpp"

namespace socmesh::curate {

namespace {

model::Timestamp Now() {
  return {std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

}  // namespace

std::string CurationTotals::Summary() const {
  if (consolidated + new_versions + unchanged + flagged + dropped == 0) return {};
  return "curation: " + std::to_string(consolidated) + " merged into existing indicators, " +
         std::to_string(new_versions) + " new version(s), " + std::to_string(unchanged) +
         " without news, " + std::to_string(flagged) + " flagged by warning lists (" +
         std::to_string(flag_not_written) + " of peers, not rewritten), " +
         std::to_string(dropped) + " dropped";
}

Result<IngestCurator> IngestCurator::Create(const IngestCurationSettings& settings,
                                            std::vector<std::string>* warnings) {
  auto mode = ParseWarningMode(settings.warninglists);
  if (!mode) {
    return Fail(ErrorCode::kInvalidArgument,
                "warninglists: \"" + settings.warninglists + "\" is not off, flag or drop");
  }
  std::optional<WarningLists> lists;
  if (*mode != WarningMode::kOff) {
    const std::filesystem::path dir = settings.warninglists_dir.empty()
                                          ? DefaultWarningListDir()
                                          : std::filesystem::path(settings.warninglists_dir);
    auto loaded = WarningLists::LoadDirectory(dir, warnings);
    if (!loaded) return std::unexpected(loaded.error());
    lists = std::move(*loaded);
    for (const std::string& o : settings.list_overrides) {
      const size_t eq = o.find('=');
      const std::string name = o.substr(0, eq);
      const std::string action = eq == std::string::npos ? "" : o.substr(eq + 1);
      WarningList* list = lists->Find(name);
      if (list == nullptr || (action != "flag" && action != "drop" && action != "off")) {
        return Fail(
            ErrorCode::kInvalidArgument,
            "warning list override " + o + ": expected NAME=flag|drop|off with a loaded list name");
      }
      if (action == "off") {
        list->enabled = false;
      } else {
        list->action = action == "drop" ? WarningAction::kDrop : WarningAction::kFlag;
      }
    }
  }
  return IngestCurator(std::move(lists), *mode, settings.consolidate);
}

Result<CuratedBatch> IngestCurator::Curate(std::span<const model::StixObject> batch,
                                           store::Store& store, const IngestSource& source) {
  CurateOptions c;
  const auto creators = LocalFeedCreators();
  for (const auto& [id, name] : creators) c.local_creators.insert(id);
  c.creator_sources = creators;
  c.now = Now();
  c.consolidate = consolidate_;
  c.warninglists = lists_ ? &*lists_ : nullptr;
  c.warning_mode = mode_;
  const std::string file = std::filesystem::path(source.name).filename().string();
  std::vector<model::StixObject> adopted;
  if (source.format == formats::Format::kCsv) {
    auto preset = formats::csv::FindFeedPreset(source.csv_preset);
    c.source = preset ? preset->name : source.csv_preset;
    // The "plain" preset serves any list: the file names the source.
    if (source.csv_preset == "plain") c.source = "plain:" + file;
    if (preset) c.reference = preset->home_url;
  } else if (source.format == formats::Format::kText) {
    c.source = "text:" + file;
    auto owned = AdoptAnonymousIndicators(batch);
    if (!owned) return std::unexpected(owned.error());
    adopted = std::move(*owned);
    batch = adopted;
  } else {
    c.source = file;
  }
  auto curated = CurateBatch(batch, store, c);
  if (!curated) return std::unexpected(curated.error());
  const CurateReport& r = curated->report;
  totals_.consolidated += r.consolidated;
  totals_.new_versions += r.new_versions;
  totals_.unchanged += r.unchanged;
  totals_.flagged += r.flagged;
  totals_.flag_not_written += r.flag_not_written;
  totals_.dropped += r.dropped.size();
  return curated;
}

}  // namespace socmesh::curate
