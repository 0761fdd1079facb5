// Macro benchmark of encryption at rest (B13): the same objects ingested into a store in clear and
// into an encrypted store (file key), then the same lookups by id (GetCurrent) and by observable
// (Scan with Query.observable) against both, in the same run. The cost is reported as ratios
// encrypted / clear. A raw loop of the keyring's AES-256-GCM sealing over the same bodies shows
// how much of the cost is the cipher itself; unlocking (keyring unwrap at open) is timed too.
//
// Usage: atrest_bench [--objects N] [--lookups N] [--batch N] [--reps N] [--durability full|normal]
//                     [--dir DIR] [--smoke]
// Prints a table and one JSON line (for docs/benchmarks.md).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "crypto/at_rest.hpp"
#include "crypto/key.hpp"
#include "model/bundle.hpp"
#include "model/identifier.hpp"
#include "model/timestamp.hpp"
#include "store/store.hpp"

namespace {

namespace crypto = socmesh::crypto;
namespace model = socmesh::model;
namespace store = socmesh::store;

// The machine is shared: CPU time of this process (user + system, SQLite's writes included) is
// what encryption adds; wall time also counts waiting for the other tenants and for fsync.
using socmesh::bench::Median;
using socmesh::bench::Since;
using socmesh::bench::Span;
using socmesh::bench::Stamp;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "atrest_bench: %s\n", what.c_str());
  std::exit(1);
}

// Indicators as a national SOC stores them: an IP or domain pattern, TLP marking, references
// (about 650 bytes of canonical JSON each, as in ingest_bench).
std::vector<model::StixObject> MakeObjects(size_t n, std::mt19937_64& rng) {
  std::string bundle = R"({"type":"bundle","id":"bundle--)" +
                       model::FormatUuid(model::NewUuidV4()) + R"(","objects":[)";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) bundle += ',';
    const std::string pattern =
        rng() % 2 == 0
            ? "[ipv4-addr:value = '" + std::to_string(rng() % 223 + 1) + "." +
                  std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + "." +
                  std::to_string(rng() % 256) + "']"
            : "[domain-name:value = 'c2-" + std::to_string(rng() % 100000000) + ".example.net']";
    const std::string created = model::FormatTimestamp(model::Timestamp{
        int64_t{1'600'000'000'000'000} + static_cast<int64_t>(rng() % 100'000'000'000'000)});
    bundle +=
        R"({"type":"indicator","spec_version":"2.1","id":"indicator--)" +
        model::FormatUuid(model::NewUuidV4()) + R"(","created":")" + created + R"(","modified":")" +
        created +
        R"(","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","name":"C2 endpoint )" +
        std::to_string(i) + R"(","indicator_types":["malicious-activity"],"pattern":")" + pattern +
        R"(","pattern_type":"stix","valid_from":")" + created +
        R"(","kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"command-and-control"}],)" +
        R"("object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],)" +
        R"("external_references":[{"source_name":"socmesh-bench","url":"https://feeds.example/)" +
        std::to_string(i) + R"("}]})";
  }
  bundle += "]}";
  auto parsed = model::ParseBundle(bundle);
  if (!parsed || parsed->objects.size() != n) Die("bundle does not parse");
  return std::move(parsed->objects);
}

void RemoveStore(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

struct Run {
  Span ingest;
  Span by_id;
  Span by_observable;
  Span open;
};

Run Measure(const std::string& path, const std::vector<model::StixObject>& objects,
            const std::vector<size_t>& probes, size_t batch, store::Durability durability,
            std::shared_ptr<const crypto::Key> key) {
  RemoveStore(path);
  store::StoreOptions options;
  options.location = path;
  options.durability = durability;
  options.at_rest_key = key;
  Run run;
  {
    auto s = store::OpenStore(options);
    if (!s) Die("open: " + s.error().message);
    std::span<const model::StixObject> all(objects);
    Stamp t0;
    for (size_t i = 0; i < all.size(); i += batch) {
      auto r = (*s)->Ingest(all.subspan(i, std::min(batch, all.size() - i)));
      if (!r || r->inserted != std::min(batch, all.size() - i)) Die("ingest failed");
    }
    run.ingest = Since(t0);
  }
  // Reopened, as after a restart: for an encrypted store this unwraps the keyring (one ECDH).
  Stamp t1;
  auto s = store::OpenStore(options);
  run.open = Since(t1);
  if (!s) Die("reopen: " + s.error().message);
  size_t bytes = 0;
  Stamp t2;
  for (size_t p : probes) {
    auto v = (*s)->GetCurrent(objects[p].id);
    if (!v) Die("lookup by id: " + v.error().message);
    bytes += v->json.size();
  }
  run.by_id = Since(t2);
  Stamp t3;
  for (size_t p : probes) {
    store::Query q;
    q.observable = objects[p].observables.at(0);
    size_t found = 0;
    auto r = (*s)->Scan(q, [&](const store::StoredVersion& v) {
      found += v.id == objects[p].id ? 1 : 0;
      return true;
    });
    if (!r || found != 1) Die("lookup by observable failed");
  }
  run.by_observable = Since(t3);
  if (bytes == 0) Die("nothing read");
  s->reset();
  RemoveStore(path);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  size_t objects_n = 200'000;
  size_t lookups = 20'000;
  size_t batch = 10'000;
  int reps = 3;
  std::string durability = "normal";
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--objects") {
      objects_n = std::stoul(next());
    } else if (a == "--lookups") {
      lookups = std::stoul(next());
    } else if (a == "--batch") {
      batch = std::stoul(next());
    } else if (a == "--reps") {
      reps = std::stoi(next());
    } else if (a == "--durability") {
      durability = next();
    } else if (a == "--dir") {
      dir = next();
    } else if (a == "--smoke") {
      objects_n = 5'000, lookups = 1'000, reps = 1;
    } else {
      std::fprintf(stderr,
                   "usage: atrest_bench [--objects N] [--lookups N] [--batch N] [--reps N] "
                   "[--durability full|normal] [--dir DIR] [--smoke]\n");
      return 2;
    }
  }
  const auto mode = durability == "full" ? store::Durability::kFull : store::Durability::kNormal;
  std::mt19937_64 rng(42);
  const auto objects = MakeObjects(objects_n, rng);
  std::vector<size_t> probes(lookups);
  for (auto& p : probes) p = rng() % objects.size();

  const std::string key_path = dir + "/socmesh-atrest-bench-" + std::to_string(getpid()) + ".pem";
  std::filesystem::remove(key_path);
  auto key = crypto::Key::Generate(key_path, {});
  if (!key) Die("key: " + key.error().message);
  auto shared_key = std::make_shared<const crypto::Key>(std::move(*key));

  // Per metric: medians of wall and CPU seconds, clear and encrypted.
  struct Series {
    std::vector<double> clear_wall, clear_cpu, enc_wall, enc_cpu;
    void Add(const Span& clear, const Span& enc) {
      clear_wall.push_back(clear.wall);
      clear_cpu.push_back(clear.cpu);
      enc_wall.push_back(enc.wall);
      enc_cpu.push_back(enc.cpu);
    }
  };
  Series ingest, by_id, by_observable;
  std::vector<double> unlock, seal;
  size_t body_bytes = 0;
  for (const auto& o : objects) body_bytes += o.canonical_json.size();
  for (int r = 0; r < reps; ++r) {
    const std::string base = dir + "/socmesh-atrest-bench-" + std::to_string(getpid());
    Run plain = Measure(base + "-clear.db", objects, probes, batch, mode, nullptr);
    Run enc = Measure(base + "-sealed.db", objects, probes, batch, mode, shared_key);
    ingest.Add(plain.ingest, enc.ingest);
    by_id.Add(plain.by_id, enc.by_id);
    by_observable.Add(plain.by_observable, enc.by_observable);
    unlock.push_back(enc.open.cpu - plain.open.cpu);
    // The cipher alone: seal every body once with the keyring (AAD of the size of a row's).
    auto keyring = crypto::AtRestKeyring::Create(*shared_key);
    if (!keyring) Die("keyring");
    const std::string aad(80, 'a');
    Stamp t0;
    for (const auto& o : objects) {
      if (!keyring->Seal(o.canonical_json, aad)) Die("seal");
    }
    seal.push_back(Since(t0).cpu);
  }
  std::filesystem::remove(key_path);

  const double n = static_cast<double>(objects_n);
  const double k = static_cast<double>(lookups);
  std::printf(
      "objects %zu (%.0f bytes of JSON each), lookups %zu, batch %zu, durability %s, "
      "reps %d (medians; CPU = user + system time of this process)\n",
      objects_n, body_bytes / n, lookups, batch, durability.c_str(), reps);
  std::printf("                           clear     encrypted  ratio enc/clear (CPU)  (wall)\n");
  auto line = [&](const char* what, const Series& s, double per, bool rate) {
    const double c = Median(s.clear_cpu), e = Median(s.enc_cpu);
    const double cw = Median(s.clear_wall), ew = Median(s.enc_wall);
    if (rate) {
      std::printf("  %-22s %9.0f  %9.0f   %6.2fx time          %6.2fx\n", what, per / c, per / e,
                  e / c, ew / cw);
    } else {
      std::printf("  %-22s %9.2f  %9.2f   %6.2fx               %6.2fx\n", what, c / per * 1e6,
                  e / per * 1e6, e / c, ew / cw);
    }
  };
  line("ingest objects/s (CPU)", ingest, n, true);
  line("get by id us (CPU)", by_id, k, false);
  line("by observable us (CPU)", by_observable, k, false);
  const double sl = Median(seal), ei = Median(ingest.enc_cpu), ci = Median(ingest.clear_cpu);
  std::printf(
      "  AES-256-GCM seal alone: %.0f objects/s (%.2f GB/s) = %.0f%% of the added ingest "
      "CPU time\n",
      n / sl, body_bytes / sl / 1e9, 100.0 * sl / (ei - ci));
  std::printf("  unlock at open (file key, CPU over a store in clear): %.2f ms\n",
              Median(unlock) * 1e3);
  std::printf(
      "{\"bench\":\"atrest\",\"objects\":%zu,\"lookups\":%zu,\"durability\":\"%s\","
      "\"ingest_clear_per_cpu_s\":%.0f,\"ingest_encrypted_per_cpu_s\":%.0f,"
      "\"ingest_cpu_ratio\":%.3f,\"ingest_wall_ratio\":%.3f,"
      "\"get_clear_cpu_us\":%.2f,\"get_encrypted_cpu_us\":%.2f,\"get_cpu_ratio\":%.3f,"
      "\"observable_clear_cpu_us\":%.2f,\"observable_encrypted_cpu_us\":%.2f,"
      "\"observable_cpu_ratio\":%.3f,\"seal_per_cpu_s\":%.0f,\"unlock_cpu_ms\":%.2f}\n",
      objects_n, lookups, durability.c_str(), n / ci, n / ei, ei / ci,
      Median(ingest.enc_wall) / Median(ingest.clear_wall), Median(by_id.clear_cpu) / k * 1e6,
      Median(by_id.enc_cpu) / k * 1e6, Median(by_id.enc_cpu) / Median(by_id.clear_cpu),
      Median(by_observable.clear_cpu) / k * 1e6, Median(by_observable.enc_cpu) / k * 1e6,
      Median(by_observable.enc_cpu) / Median(by_observable.clear_cpu), n / sl,
      Median(unlock) * 1e3);
  return 0;
}
