// STIX pattern benchmark (issue 7 item 4): parsing the real indicator patterns of the shared data,
// and evaluating patterns on single observations against the machine's limit for the same work,
// measured in the same run: a plain loop that finds the objects of the pattern's type and compares
// the property's value with std::string ==, nothing else.
//
// Usage: pattern_bench [--reps N] [--events N] [--smoke]
// Prints a table and one JSON line (for docs/benchmarks.md and scripts).
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "model/observable.hpp"
#include "model/pattern.hpp"
#include "model/pattern_match.hpp"

namespace {

using socmesh::bench::Clock;
using socmesh::bench::Median;
using socmesh::bench::Seconds;
namespace model = socmesh::model;

void Collect(simdjson::dom::element e, std::vector<std::string>& out, int depth) {
  if (depth > 64) return;
  simdjson::dom::object object;
  simdjson::dom::array array;
  if (e.get_object().get(object) == simdjson::SUCCESS) {
    std::string_view type, pattern, pattern_type = "stix";
    if (object["type"].get_string().get(type) == simdjson::SUCCESS && type == "indicator" &&
        object["pattern"].get_string().get(pattern) == simdjson::SUCCESS) {
      if (object["pattern_type"].get_string().get(pattern_type) != simdjson::SUCCESS) {
        pattern_type = "stix";
      }
      if (pattern_type == "stix") out.emplace_back(pattern);
    }
    for (auto field : object) Collect(field.value, out, depth + 1);
  } else if (e.get_array().get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : array) Collect(item, out, depth + 1);
  }
}

// Every STIX indicator pattern in the shared data (207 today; see tests/model/pattern_data_test).
std::vector<std::string> CorpusPatterns() {
  std::vector<std::string> out;
  std::error_code ec;
  simdjson::dom::parser parser;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(SOCMESH_TEST_DATA, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    simdjson::padded_string json;
    if (simdjson::padded_string::load(entry.path().string()).get(json) != simdjson::SUCCESS) {
      continue;
    }
    simdjson::dom::element root;
    if (parser.parse(json).get(root) != simdjson::SUCCESS) continue;
    Collect(root, out, 0);
  }
  return out;
}

// What the reference loop compares: object type, property path, value.
struct Needle {
  std::string type, path, value;
};

// An EVE-like event as an observation: source and destination address, a domain, a file.
model::Observation MakeEvent(std::mt19937_64& rng, const std::vector<Needle>& needles) {
  auto ip = [&] {
    return std::to_string(rng() % 223 + 1) + "." + std::to_string(rng() % 256) + "." +
           std::to_string(rng() % 256) + "." + std::to_string(rng() % 256);
  };
  auto hex = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "0123456789abcdef"[rng() % 16];
    return s;
  };
  model::Observation o;
  auto add = [&](std::string type, std::string path, std::string value) {
    model::ObservedObject object;
    object.type = std::move(type);
    object.Add(std::move(path), model::ObservedValue::String(std::move(value)));
    o.objects.push_back(std::move(object));
  };
  add("ipv4-addr", "value", ip());
  add("ipv4-addr", "value", ip());
  add("domain-name", "value", "host-" + std::to_string(rng() % 100000) + ".example.net");
  add("file", "hashes.SHA-256", hex(64));
  o.objects.back().Add("name", model::ObservedValue::String("setup-" + hex(6) + ".exe"));
  // One event in 16 carries an indicator value (most lookups miss, as in production).
  if (rng() % 16 == 0) {
    const Needle& n = needles[rng() % needles.size()];
    for (model::ObservedObject& object : o.objects) {
      if (object.type == n.type && object.properties[0].first == n.path) {
        object.properties[0].second.text = n.value;
        break;
      }
    }
  }
  return o;
}

// The reference: the same decision for an equality pattern, by plain string comparison.
bool ReferenceMatch(const Needle& n, const model::Observation& o) {
  for (const model::ObservedObject& object : o.objects) {
    if (object.type != n.type) continue;
    for (const auto& [path, value] : object.properties) {
      if (path == n.path && value.text == n.value) return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  size_t events = 200'000;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--events" && i + 1 < argc) {
      events = std::max<size_t>(1, std::strtoull(argv[++i], nullptr, 10));
    } else if (a == "--smoke") {
      smoke = true;
    } else {
      std::fprintf(stderr, "usage: pattern_bench [--reps N] [--events N] [--smoke]\n");
      return 2;
    }
  }
  if (smoke) {
    reps = 1;
    events = 10'000;
  }

  // --- Parsing the real corpus ---
  const std::vector<std::string> corpus = CorpusPatterns();
  if (corpus.empty()) {
    std::fprintf(stderr, "pattern_bench: no patterns under %s\n", SOCMESH_TEST_DATA);
    return 1;
  }
  size_t bytes = 0;
  for (const std::string& p : corpus) bytes += p.size();
  const int parse_rounds = smoke ? 20 : 500;
  std::vector<double> parse_s, scan_s;
  size_t failures = 0;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    for (int k = 0; k < parse_rounds; ++k) {
      for (const std::string& p : corpus) failures += model::ParsePattern(p).has_value() ? 0 : 1;
    }
    auto t1 = Clock::now();
    size_t found = 0;
    for (int k = 0; k < parse_rounds; ++k) {
      for (const std::string& p : corpus) found += model::ExtractPatternObservables(p).size();
    }
    auto t2 = Clock::now();
    if (found == 0) std::fprintf(stderr, "pattern_bench: the scanner found nothing\n");
    parse_s.push_back(Seconds(t0, t1));
    scan_s.push_back(Seconds(t1, t2));
  }
  const double n_parsed = static_cast<double>(corpus.size()) * parse_rounds;
  const double parse_rate = n_parsed / Median(parse_s);
  const double scan_rate = n_parsed / Median(scan_s);

  // --- Evaluating on single observations ---
  const std::vector<Needle> needles = {
      {"ipv4-addr", "value", "198.51.100.7"},
      {"domain-name", "value", "c2.example.net"},
      {"file", "hashes.SHA-256",
       "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
  };
  std::vector<model::Pattern> patterns;
  for (const Needle& n : needles) {
    const std::string path = n.path == "value" ? "value" : "hashes.'SHA-256'";
    patterns.push_back(
        model::ParsePattern("[" + n.type + ":" + path + " = '" + n.value + "']").value());
  }
  std::mt19937_64 rng(42);
  std::vector<model::Observation> stream;
  stream.reserve(events);
  for (size_t i = 0; i < events; ++i) stream.push_back(MakeEvent(rng, needles));

  std::vector<double> eval_s, ref_s;
  size_t eval_hits = 0, ref_hits = 0;
  for (int r = 0; r < reps; ++r) {
    eval_hits = ref_hits = 0;
    auto t0 = Clock::now();
    for (const model::Observation& o : stream) {
      for (const model::Pattern& p : patterns) eval_hits += Matches(p, o) ? 1 : 0;
    }
    auto t1 = Clock::now();
    for (const model::Observation& o : stream) {
      for (const Needle& n : needles) ref_hits += ReferenceMatch(n, o) ? 1 : 0;
    }
    auto t2 = Clock::now();
    eval_s.push_back(Seconds(t0, t1));
    ref_s.push_back(Seconds(t1, t2));
  }
  if (eval_hits != ref_hits) {
    std::fprintf(stderr, "pattern_bench: evaluator found %zu matches, reference %zu\n", eval_hits,
                 ref_hits);
    return 1;
  }
  const double evaluations = static_cast<double>(events) * patterns.size();
  const double eval_rate = evaluations / Median(eval_s);
  const double ref_rate = evaluations / Median(ref_s);

  std::printf("corpus: %zu patterns, %zu bytes, %zu parse failures (medians of %d)\n",
              corpus.size(), bytes, failures / static_cast<size_t>(reps), reps);
  std::printf("  ParsePattern                    : %10.0f patterns/s %8.1f MB/s\n", parse_rate,
              parse_rate * bytes / corpus.size() / 1e6);
  std::printf("  ExtractPatternObservables (scan): %10.0f patterns/s (comparison point)\n",
              scan_rate);
  std::printf("evaluation: %zu events x %zu equality patterns, %zu matches\n", events,
              patterns.size(), eval_hits);
  std::printf("  string compare loop (reference) : %10.0f evaluations/s\n", ref_rate);
  std::printf("  Matches(pattern, observation)   : %10.0f evaluations/s  ratio %.3f\n", eval_rate,
              eval_rate / ref_rate);
  std::printf(
      "{\"bench\":\"pattern\",\"patterns\":%zu,\"parse_per_s\":%.0f,\"scan_per_s\":%.0f,"
      "\"events\":%zu,\"eval_per_s\":%.0f,\"reference_per_s\":%.0f,\"ratio\":%.4f}\n",
      corpus.size(), parse_rate, scan_rate, events, eval_rate, ref_rate, eval_rate / ref_rate);
  return failures == 0 ? 0 : 1;
}
