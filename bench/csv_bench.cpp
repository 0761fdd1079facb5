// CSV / plain feed import throughput (formats/csv), against a plain line-splitting loop over the
// same bytes (the machine's limit for any line-oriented reader) measured in the same run.
//
// Usage: csv_bench [--reps N] [--smoke]
// Inputs (real data, ../shared/data/feeds): IPsum (tab-separated, 120 k rows) and the URLhaus CSV
// (RFC 4180 quoted, 9 columns) repeated with distinct URLs to 100 k rows.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "formats/csv/csv_records.hpp"
#include "formats/csv/feed_import.hpp"

namespace {

using socmesh::formats::csv::FeedConfig;
using socmesh::formats::csv::FindFeedPreset;
using socmesh::formats::csv::ImportFeed;
using socmesh::formats::csv::Record;
using socmesh::formats::csv::RecordReader;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using socmesh::bench::Median;
using socmesh::bench::Seconds;

// URLhaus rows repeated with a different host prefix each time, so every URL stays distinct.
std::string UrlhausRows(size_t rows) {
  const std::string sample =
      ReadFile(SOCMESH_TEST_DATA "/feeds/abuse.ch-urlhaus/urlhaus_csv_sample_500rows.csv");
  const size_t header_end = sample.find('\n') + 1;
  std::string out = sample.substr(0, header_end);
  const std::string body = sample.substr(header_end);
  for (size_t rep = 0; std::count(out.begin(), out.end(), '\n') <= static_cast<long>(rows); ++rep) {
    std::string copy = body;
    const std::string from = "\",\"http://", to = "\",\"http://r" + std::to_string(rep) + ".";
    for (size_t p = 0; (p = copy.find(from, p)) != std::string::npos; p += to.size()) {
      copy.replace(p, from.size(), to);
    }
    out += copy;
  }
  return out;
}

struct Figures {
  double reference_s, records_s, import_s;
  size_t rows, indicators;
};

Figures Measure(const std::string& data, const FeedConfig& config, int reps) {
  std::vector<double> reference, records, import;
  size_t rows = 0, indicators = 0;
  socmesh::formats::csv::FeedImportOptions options;
  options.fallback_time = socmesh::model::Timestamp{1'700'000'000'000'000};
  for (int r = 0; r < reps; ++r) {
    reference.push_back(Seconds([&] {
      // The reference: find every line and look at each line's bytes once.
      size_t lines = 0, sum = 0;
      const char* p = data.data();
      const char* end = p + data.size();
      while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
        if (nl == nullptr) nl = end;
        sum += static_cast<unsigned char>(*p) + static_cast<size_t>(nl - p);
        ++lines;
        p = nl + 1;
      }
      rows = lines;
      if (sum == 42) std::puts("");  // keeps the loop from being optimised away
    }));
    records.push_back(Seconds([&] {
      RecordReader reader(data, config.dialect);
      Record record;
      size_t n = 0;
      while (reader.Next(record)) n += record.fields.size();
      if (n == 42) std::puts("");
    }));
    import.push_back(Seconds([&] {
      auto parsed = ImportFeed(data, config, options);
    indicators = parsed ? parsed->objects.size() - 1 : 0;
  }));
}
return {Median(reference), Median(records), Median(import), rows, indicators};
}  // namespace

void Report(const char* name, const std::string& data, const Figures& f) {
  const double mb = data.size() / 1e6;
  std::printf("%s: %.1f MB, %zu lines, %zu indicators (medians)\n", name, mb, f.rows, f.indicators);
  std::printf("  line-splitting loop (reference) : %10.0f rows/s %8.1f MB/s\n",
              f.rows / f.reference_s, mb / f.reference_s);
  std::printf("  RecordReader (fields only)      : %10.0f rows/s %8.1f MB/s  ratio %.3f\n",
              f.rows / f.records_s, mb / f.records_s, f.reference_s / f.records_s);
  std::printf("  ImportFeed (validated STIX)     : %10.0f rows/s %8.1f MB/s  ratio %.4f\n",
              f.rows / f.import_s, mb / f.import_s, f.reference_s / f.import_s);
  std::printf(
      "{\"bench\":\"csv\",\"input\":\"%s\",\"mb\":%.2f,\"rows\":%zu,\"reference_mb_s\":%.1f,"
      "\"records_mb_s\":%.1f,\"import_rows_s\":%.0f,\"import_mb_s\":%.2f,\"ratio\":%.5f}\n",
      name, mb, f.rows, mb / f.reference_s, mb / f.records_s, f.rows / f.import_s, mb / f.import_s,
      f.reference_s / f.import_s);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--smoke") {
      smoke = true;
    } else {
      std::fprintf(stderr, "usage: csv_bench [--reps N] [--smoke]\n");
      return 2;
    }
  }
  if (smoke) reps = 1;

  std::string ipsum = ReadFile(SOCMESH_TEST_DATA "/feeds/stamparm-ipsum/ipsum.txt");
  if (ipsum.empty()) {
    std::fprintf(stderr, "csv_bench: shared test data not found under %s\n", SOCMESH_TEST_DATA);
    return 1;
  }
  if (smoke) ipsum.resize(ipsum.find('\n', 100'000) + 1);
  auto ipsum_config = FindFeedPreset("ipsum");
  Report("ipsum", ipsum, Measure(ipsum, *ipsum_config, reps));

  const std::string urlhaus = UrlhausRows(smoke ? 2'000 : 100'000);
  auto urlhaus_config = FindFeedPreset("urlhaus");
  Report("urlhaus", urlhaus, Measure(urlhaus, *urlhaus_config, reps));
  return 0;
}
