// libFuzzer target for the CSV / plain feed reader (formats/csv ImportFeed) and its CSV export.
// The first byte picks a preset (dialect and column mapping); the rest is the feed.
// Invariants, beyond "no crash, no sanitizer report":
//  1. counts add up: kept indicators + rejected <= candidates, a rejection comes with an error,
//     and every finding names a line;
//  2. every kept object re-parses from its canonical JSON to the identical canonical JSON;
//  3. exporting the indicators as CSV and importing that with the "socmesh-csv" preset rejects
//     nothing and yields the same observables (export/import round trip).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "formats/csv/feed_export.hpp"
#include "formats/csv/feed_import.hpp"
#include "model/stix_object.hpp"

// Names the broken invariant before trapping, so a crash report says which one failed.
#define CHECK(condition)                                                                        \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      std::fprintf(stderr, "csv_feed_fuzz: line %d: %s does not hold\n", __LINE__, #condition); \
      __builtin_trap();                                                                         \
    }                                                                                           \
  } while (false)

namespace {

using socmesh::formats::csv::FeedImportOptions;
using socmesh::model::ParsedBundle;
using socmesh::model::Severity;

std::set<std::pair<int, std::string>> Observables(const ParsedBundle& b) {
  std::set<std::pair<int, std::string>> out;
  for (const auto& o : b.objects) {
    for (const auto& obs : o.observables) out.emplace(static_cast<int>(obs.kind), obs.value);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace csv = socmesh::formats::csv;
  if (size == 0) return 0;
  const auto names = csv::FeedPresetNames();
  auto config = csv::FindFeedPreset(names[data[0] % names.size()]);
  CHECK(config.has_value());
  config->dialect.max_field_bytes = 4096;
  FeedImportOptions options;
  options.max_bytes = 1 << 16;
  options.fallback_time = socmesh::model::Timestamp{1'700'000'000'000'000};
  const std::string_view feed(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto parsed = csv::ImportFeed(feed, *config, options);
  if (!parsed) return 0;

  size_t errors = 0;
  for (const auto& f : parsed->findings) {
    CHECK(f.diagnostic.path.starts_with("line "));
    errors += f.diagnostic.severity == Severity::kError;
  }
  CHECK(parsed->rejected == 0 || errors > 0);  // every rejection is explained
  CHECK(!parsed->objects.empty());             // the feed identity is always there
  CHECK(parsed->objects.size() - 1 + parsed->rejected <= parsed->input_objects);
  for (const auto& object : parsed->objects) {
    auto again = socmesh::model::ParseStixObject(object.canonical_json);
    CHECK(again && again->canonical_json == object.canonical_json);
  }

  auto exported = csv::ExportIndicatorsCsv(parsed->objects);
  CHECK(exported.has_value());
  auto back_config = csv::FindFeedPreset("socmesh-csv");
  FeedImportOptions back_options = options;
  back_options.max_bytes = size_t{1} << 30;
  auto back = csv::ImportFeed(*exported, *back_config, back_options);
  CHECK(back && back->rejected == 0);
  CHECK(Observables(*back) == Observables(*parsed));
  return 0;
}
