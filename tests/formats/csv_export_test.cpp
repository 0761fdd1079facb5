// CSV export of indicators and its round trip through the "socmesh-csv" preset (issue 3 item 3).
// Python's csv module is the independent reader of the exported text.
#include "formats/csv/feed_export.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "common/test_data.hpp"
#include "formats/csv/feed_import.hpp"

namespace socmesh::formats::csv {
namespace {

using socmesh::testing::DataPath;
using socmesh::testing::ReadFile;
using socmesh::testing::TempDir;

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << command;
  return out;
}

model::ParsedBundle Import(std::string_view data, const std::string& preset) {
  auto config = FindFeedPreset(preset);
  EXPECT_TRUE(config.has_value());
  FeedImportOptions options;
  options.fallback_time = model::Timestamp{1'700'000'000'000'000};
  auto parsed = ImportFeed(data, *config, options);
  EXPECT_TRUE(parsed.has_value()) << parsed.error().message;
  return parsed ? std::move(*parsed) : model::ParsedBundle{};
}

// (value, kind) -> (valid_from, labels, tlp) as the STIX JSON says.
struct Summary {
  std::string valid_from, labels;
  std::optional<model::Tlp> tlp;
  friend bool operator==(const Summary&, const Summary&) = default;
};

std::string Extract(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return {};
  const size_t start = at + key.size() + 3;
  const size_t end = json.find(key == "labels" ? ']' : '"', start + 1);
  return json.substr(start, end - start);
}

std::map<std::string, Summary> Summarise(const model::ParsedBundle& b) {
  std::map<std::string, Summary> out;
  for (const auto& o : b.objects) {
    if (o.type != "indicator") continue;
    out[std::string(model::ObservableKindName(o.observables.at(0).kind)) + " " +
        o.observables[0].value] = {Extract(o.canonical_json, "valid_from"),
                                   Extract(o.canonical_json, "labels"), o.tlp};
  }
  return out;
}

TEST(CsvExport, UrlhausRoundTripKeepsValueKindTimeLabelsAndTlp) {
  auto original = Import(
      ReadFile(DataPath("feeds/abuse.ch-urlhaus/urlhaus_csv_sample_500rows.csv")), "urlhaus");
  ASSERT_GT(original.objects.size(), 400u);
  auto csv = ExportIndicatorsCsv(original.objects);
  ASSERT_TRUE(csv.has_value()) << csv.error().message;
  EXPECT_TRUE(csv->starts_with("value,kind,first_seen,labels,tlp\r\n"));

  // Independent reader: every row has five fields and the count matches the indicators.
  TempDir dir;
  const auto path = (dir.path() / "export.csv").string();
  std::ofstream(path, std::ios::binary) << *csv;
  const std::string python = RunCommand(
      "python3 -c \"import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline='')));"
      "print(len(rows)-1, set(len(r) for r in rows))\" " +
      path);
  EXPECT_EQ(python, std::to_string(original.objects.size() - 1) + " {5}\n");

  auto again = Import(*csv, "socmesh-csv");
  EXPECT_EQ(again.rejected, 0u);
  EXPECT_EQ(Summarise(again), Summarise(original));
}

TEST(CsvExport, QuotesCellsThatWouldBreakTheFormat) {
  FeedConfig config;
  config.name = "t";
  ColumnSpec value;
  value.index = 0;
  value.role = Role::kValue;
  value.kind = model::ObservableKind::kUrl;
  ColumnSpec labels;
  labels.index = 1;
  labels.role = Role::kLabels;
  labels.list_separator = '|';
  config.columns = {value, labels};
  config.dialect.delimiter = '\t';
  config.dialect.quoting = false;
  config.tlp = model::Tlp::kAmberStrict;
  auto b = ImportFeed("http://x.example/a,\"b\"\tone|two\n", config);
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->objects.size(), 2u);
  auto csv = ExportIndicatorsCsv(b->objects);
  ASSERT_TRUE(csv.has_value());
  const std::string row = csv->substr(csv->find("\r\n") + 2);
  // '"' is percent-encoded in the normal form of URLs (model::NormalizeObservable); the ',' still
  // needs CSV quoting.
  EXPECT_TRUE(row.starts_with("\"http://x.example/a,%22b%22\",url,")) << row;
  EXPECT_NE(row.find(",\"one,two\",AMBER+STRICT\r\n"), std::string::npos) << row;
  auto again = Import(*csv, "socmesh-csv");
  ASSERT_EQ(again.objects.size(), 2u);
  EXPECT_EQ(again.objects[1].observables[0].value, "http://x.example/a,%22b%22");
  EXPECT_EQ(again.objects[1].tlp, model::Tlp::kAmberStrict);
}

TEST(CsvExport, SkipsObjectsThatAreNotIndicators) {
  auto b = Import("192.0.2.1\n", "plain");
  ASSERT_EQ(b.objects.size(), 2u);  // identity + indicator
  auto csv = ExportIndicatorsCsv(b.objects);
  ASSERT_TRUE(csv.has_value());
  EXPECT_EQ(*csv,
            "value,kind,first_seen,labels,tlp\r\n192.0.2.1,ipv4,2023-11-14T22:13:20.000Z,,\r\n");
}

}  // namespace
}  // namespace socmesh::formats::csv
