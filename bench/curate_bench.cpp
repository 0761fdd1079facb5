// Curation costs (curate/): warning-list checks per second against a bare hash-set lookup of the
// same values, and ingest with curation (warning lists + consolidation) against plain ingest of
// the same feed into a fresh store, both measured in the same run.
//
// Usage: curate_bench [--reps N] [--smoke]
// Inputs (real data, ../shared/data/feeds): IPsum (120 k IPv4 addresses) for the checks; the IPsum
// level-4 list (5.3 k indicators; --smoke: level 8, 23) for ingest, into a store in clear and into
// an encrypted store (B13, file key): first ingest, then the same feed again. Rates come from the
// process's CPU time, which other jobs on a shared machine disturb less than wall time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "bench_timing.hpp"
#include "crypto/key.hpp"
#include "curate/consolidate.hpp"
#include "curate/local_sources.hpp"
#include "curate/warninglist.hpp"
#include "formats/csv/feed_import.hpp"

namespace {

using namespace socmesh;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using bench::Median;
using bench::Seconds;
// CPU time of the whole process: every thread, user + system.
using Timing = bench::Span;

double MedianCpu(const std::vector<Timing>& v) {
  std::vector<double> cpu;
  for (const Timing& t : v) cpu.push_back(t.cpu);
  return Median(cpu);
}

double MedianWall(const std::vector<Timing>& v) {
  std::vector<double> wall;
  for (const Timing& t : v) wall.push_back(t.wall);
  return Median(wall);
}

std::vector<model::StixObject> Feed(const std::string& file) {
  formats::csv::FeedImportOptions o;
  o.fallback_time = *model::ParseTimestamp("2026-11-20T00:00:00Z");
  auto feed = formats::csv::ImportFeed(ReadFile(file), *formats::csv::FindFeedPreset("ipsum"), o);
  if (!feed) {
    std::fprintf(stderr, "curate_bench: %s: %s\n", file.c_str(), feed.error().message.c_str());
    std::exit(1);
  }
  return std::move(feed->objects);
}

std::unique_ptr<store::Store> FreshStore(const std::filesystem::path& dir, const char* name,
                                         std::shared_ptr<const crypto::Key> at_rest_key) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir / (std::string(name) + suffix));
  }
  store::StoreOptions o;
  o.location = (dir / name).string();
  o.durability = store::Durability::kNormal;
  o.at_rest_key = std::move(at_rest_key);
  auto s = store::OpenStore(o);
  if (!s) std::exit(1);
  return std::move(*s);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 3;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) smoke = true;
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = std::atoi(argv[++i]);
  }
  if (smoke) reps = 1;

  auto lists = curate::WarningLists::LoadDirectory(curate::DefaultWarningListDir());
  if (!lists) {
    std::fprintf(stderr, "curate_bench: %s\n", lists.error().message.c_str());
    return 1;
  }

  // --- warning-list checks ---
  std::vector<model::Observable> values;
  {
    std::istringstream in(ReadFile(SOCMESH_TEST_DATA "/feeds/stamparm-ipsum/ipsum.txt"));
    std::string line;
    while (std::getline(in, line) && (!smoke || values.size() < 5000)) {
      if (line.empty() || line[0] == '#') continue;
      values.push_back({model::ObservableKind::kIpv4, line.substr(0, line.find('\t'))});
    }
  }
  std::unordered_set<std::string> reference_set;
  for (size_t i = 0; i < 60; ++i) reference_set.insert("198.51.100." + std::to_string(i));
  std::vector<double> t_lists, t_set;
  size_t hits = 0, set_hits = 0;
  for (int r = 0; r < reps; ++r) {
    t_lists.push_back(Seconds([&] {
      hits = 0;
      for (const auto& v : values) hits += !lists->Match(v).empty();
    }));
    t_set.push_back(Seconds([&] {
      set_hits = 0;
      for (const auto& v : values) set_hits += reference_set.contains(v.value);
    }));
  }
  const double lists_rate = values.size() / Median(t_lists);
  const double set_rate = values.size() / Median(t_set);
  std::printf(
      "warning lists: %zu IPv4 checks against %zu lists: %.2f M checks/s (%zu hits); "
      "one std::unordered_set lookup: %.2f M/s; ratio %.1fx\n",
      values.size(), lists->lists().size(), lists_rate / 1e6, hits, set_rate / 1e6,
      set_rate / lists_rate);

  // --- ingest with and without curation, into a store in clear and an encrypted one ---
  const std::string feed_file = smoke ? SOCMESH_TEST_DATA "/feeds/stamparm-ipsum/levels_8.txt"
                                      : SOCMESH_TEST_DATA "/feeds/stamparm-ipsum/levels_4.txt";
  const auto feed = Feed(feed_file);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("curate_bench." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto key = crypto::Key::Generate((dir / "at-rest.pem").string(), {});
  if (!key) {
    std::fprintf(stderr, "curate_bench: %s\n", key.error().message.c_str());
    return 1;
  }
  const auto at_rest_key = std::make_shared<const crypto::Key>(std::move(*key));
  curate::CurateOptions options;
  for (const auto& [id, name] : curate::LocalFeedCreators()) options.local_creators.insert(id);
  options.now = *model::ParseTimestamp("2026-11-24T00:00:00Z");
  options.source = "stamparm-ipsum";
  options.warninglists = &*lists;
  const double n = static_cast<double>(feed.size());
  std::printf(
      "ingest of %zu objects (%s); rates from process CPU time (the machine is shared), "
      "wall-time ratios in brackets\n",
      feed.size(), std::filesystem::path(feed_file).filename().c_str());
  for (const bool encrypted : {false, true}) {
    std::vector<Timing> plain_first, plain_again, curated_first, curated_again, curate_first,
        curate_again;
    for (int r = 0; r < reps; ++r) {
      auto plain = FreshStore(dir, "plain.db", encrypted ? at_rest_key : nullptr);
      plain_first.push_back(bench::WallAndProcessCpu([&] { (void)plain->Ingest(feed); }));
      plain_again.push_back(bench::WallAndProcessCpu([&] { (void)plain->Ingest(feed); }));
      auto curated = FreshStore(dir, "curated.db", encrypted ? at_rest_key : nullptr);
      // Curation alone (CurateBatch) is timed inside the curated ingest it is part of.
      auto once = [&](std::vector<Timing>& curate_only) {
        std::optional<Result<curate::CuratedBatch>> batch;
        curate_only.push_back(bench::WallAndProcessCpu(
            [&] { batch.emplace(curate::CurateBatch(feed, *curated, options)); }));
        if (!*batch) {
          std::fprintf(stderr, "curate_bench: %s\n", (*batch).error().message.c_str());
          std::exit(1);
        }
        if (!curated->Ingest((**batch).objects)) std::exit(1);
      };
      curated_first.push_back(bench::WallAndProcessCpu([&] { once(curate_first); }));
      curated_again.push_back(bench::WallAndProcessCpu([&] { once(curate_again); }));
    }
    const char* what = encrypted ? "encrypted store" : "store in clear";
    for (auto [label, plain, curated, curate_only] :
         {std::tuple{"first ingest", &plain_first, &curated_first, &curate_first},
          std::tuple{"re-ingest (no-op)", &plain_again, &curated_again, &curate_again}}) {
      std::printf(
          "%s, %s: plain %.0f objects/s, curated %.0f objects/s: %.2fx the plain time "
          "[wall %.2fx]; curation alone %.1f us/object\n",
          what, label, n / MedianCpu(*plain), n / MedianCpu(*curated),
          MedianCpu(*curated) / MedianCpu(*plain), MedianWall(*curated) / MedianWall(*plain),
          MedianCpu(*curate_only) / n * 1e6);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
