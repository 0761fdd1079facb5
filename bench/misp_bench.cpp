// MISP import throughput (issue 3): attributes/s through formats::misp::ImportMispJson — parse,
// map to STIX, validate and canonicalise every object — against the machine-limit reference of a
// bare simdjson DOM parse of the same bytes, measured in the same run.
//
// Corpus: the real ESET and CIRCL events in ../shared/data/misp concatenated into one REST answer
// {"response": [...]} (repeated to reach a few MB), so the figure is about real attribute mixes.
// Usage: misp_bench [--smoke] [--reps N]
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "formats/misp/misp_import.hpp"

namespace {

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every event of the real files, as one REST answer repeated `copies` times.
std::string BuildCorpus(int copies) {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path data = SOCMESH_TEST_DATA "/misp";
  for (const auto& e : std::filesystem::directory_iterator(data / "eset-malware-ioc")) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  for (const auto& e :
       std::filesystem::directory_iterator(data / "pymisp-tests/reportlab_testfiles")) {
    files.push_back(e.path());
  }
  files.push_back(data / "misp-core-tests/event.json");
  std::sort(files.begin(), files.end());
  simdjson::dom::parser parser;
  std::vector<std::string> events;
  for (const auto& f : files) {
    std::string text = Read(f);
    simdjson::dom::element root;
    if (parser.parse(text).get(root)) continue;
    simdjson::dom::array response;
    if (root["response"].get(response) == simdjson::SUCCESS) {
      for (auto e : response) events.push_back(simdjson::minify(e));
    } else {
      events.push_back(simdjson::minify(root));
    }
  }
  std::string out = "{\"response\":[";
  for (int c = 0; c < copies; ++c) {
    for (const auto& e : events) {
      if (out.size() > 13) out += ",";
      out += e;
    }
  }
  out += "]}";
  return out;
}

// Median wall seconds over `reps` calls of `f`.
template <typename F>
double MedianSeconds(int reps, F&& f) {
  return socmesh::bench::MedianOf(reps, [&] { return socmesh::bench::Seconds(f); });
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) smoke = true;
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = std::atoi(argv[++i]);
  }
  // Duplicate events import to the same STIX ids: the copies still cost the full work each time.
  const std::string corpus = BuildCorpus(smoke ? 1 : 8);
  if (smoke) reps = 1;

  socmesh::formats::misp::ImportStats stats;
  auto check = socmesh::formats::misp::ImportMispJson(corpus, {}, &stats);
  if (!check) {
    std::fprintf(stderr, "import failed: %s\n", check.error().message.c_str());
    return 1;
  }
  const size_t attributes = stats.attributes;

  simdjson::dom::parser parser;
  double parse_s = MedianSeconds(reps, [&] {
    simdjson::dom::element root;
    if (parser.parse(corpus).get(root)) std::abort();
  });
  auto run = [&](size_t threads) {
    socmesh::formats::misp::ImportOptions options;
    options.threads = threads;
    return MedianSeconds(reps, [&] {
      auto r = socmesh::formats::misp::ImportMispJson(corpus, options);
      if (!r) std::abort();
    });
  };
  double one_s = run(1);
  double all_s = run(0);

  std::printf("corpus: %.1f MB, %zu events, %zu attributes (%zu imported), %zu STIX objects\n",
              corpus.size() / 1e6, stats.events, attributes, stats.attributes_imported,
              check->objects.size());
  std::printf("simdjson parse only (reference): %8.1f MB/s  (%.4f s)\n",
              corpus.size() / 1e6 / parse_s, parse_s);
  std::printf("MISP import, 1 thread:           %8.0f attributes/s  (%.4f s, %.1f MB/s)\n",
              attributes / one_s, one_s, corpus.size() / 1e6 / one_s);
  std::printf("MISP import, all threads:        %8.0f attributes/s  (%.4f s, %.1f MB/s)\n",
              attributes / all_s, all_s, corpus.size() / 1e6 / all_s);
  std::printf("ratio import/parse (bytes/s, 1 thread): %.4f\n", parse_s / one_s);
  std::printf("vs MISP API (33-83 attributes/s): %.0fx-%.0fx (1 thread)\n", attributes / one_s / 83,
              attributes / one_s / 33);
  return 0;
}
