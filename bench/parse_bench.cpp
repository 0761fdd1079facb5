// Micro benchmarks (Google Benchmark): STIX parsing and JCS canonicalisation on real data, against
// simdjson's bare parse of the same bytes as the reference (the limit of the machine for this
// work).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <string>

#include "model/bundle.hpp"
#include "model/canonical_json.hpp"

namespace {

const std::string& AttackIcs() {
  static const std::string data = [] {
    std::ifstream in(SOCMESH_TEST_DATA "/stix/mitre-attack-stix-data/ics-attack-18.1.json",
                     std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  return data;
}

void BM_SimdjsonParseOnly(benchmark::State& state) {
  const std::string& data = AttackIcs();
  simdjson::dom::parser parser;
  simdjson::padded_string padded(data);
  for (auto _ : state) {
    simdjson::dom::element e;
    benchmark::DoNotOptimize(parser.parse(padded).get(e));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_SimdjsonParseOnly)->Unit(benchmark::kMillisecond);

void BM_CanonicalizeJson(benchmark::State& state) {
  const std::string& data = AttackIcs();
  for (auto _ : state) {
    auto out = socmesh::model::CanonicalizeJson(data);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_CanonicalizeJson)->Unit(benchmark::kMillisecond);

void BM_ParseBundleAttackIcs(benchmark::State& state) {
  const std::string& data = AttackIcs();
  size_t objects = 0;
  for (auto _ : state) {
    auto parsed = socmesh::model::ParseBundle(data);
    objects += parsed ? parsed->objects.size() : 0;
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.counters["objects/s"] =
      benchmark::Counter(static_cast<double>(objects), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseBundleAttackIcs)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
