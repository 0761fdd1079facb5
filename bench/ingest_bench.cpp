// Macro benchmark: durable ingest of STIX objects, end to end (parse + validate + canonicalise +
// hash + store with all indexes), against the machine's limit measured in the same run: a raw
// SQLite insert of the same rows (id, modified, canonical JSON) into a WAL table with only
// UNIQUE(id, modified), same batch size, same synchronous=FULL.
//
// Usage: ingest_bench [--objects N] [--batch N] [--reps N] [--dir DIR] [--smoke]
// Prints a table and one JSON line (for docs/benchmarks.md and scripts).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "model/bundle.hpp"
#include "model/identifier.hpp"
#include "model/timestamp.hpp"
#include "store/store.hpp"

namespace {

using socmesh::bench::Clock;
using socmesh::bench::Median;
using socmesh::bench::Seconds;
namespace model = socmesh::model;
namespace store = socmesh::store;

// A realistic indicator: pattern on an IP or a domain, TLP marking, kill chain, external reference.
std::string MakeBundle(size_t n, std::mt19937_64& rng) {
  std::string out = R"({"type":"bundle","id":"bundle--)" + model::FormatUuid(model::NewUuidV4()) +
                    R"(","objects":[)";
  out.reserve(n * 700);
  const char* tlps[] = {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
                        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
                        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"};
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    std::string pattern;
    if (rng() % 2 == 0) {
      pattern = "[ipv4-addr:value = '" + std::to_string(rng() % 223 + 1) + "." +
                std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + "." +
                std::to_string(rng() % 256) + "']";
    } else {
      pattern = "[domain-name:value = 'c2-" + std::to_string(rng() % 100000000) + ".example.net']";
    }
    const std::string created = model::FormatTimestamp(model::Timestamp{
        int64_t{1'600'000'000'000'000} + static_cast<int64_t>(rng() % 100'000'000'000'000)});
    out +=
        R"({"type":"indicator","spec_version":"2.1","id":"indicator--)" +
        model::FormatUuid(model::NewUuidV4()) + R"(","created":")" + created + R"(","modified":")" +
        created +
        R"(","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","name":"C2 endpoint )" +
        std::to_string(i) + R"(","indicator_types":["malicious-activity"],"pattern":")" + pattern +
        R"(","pattern_type":"stix","valid_from":")" + created +
        R"(","kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"command-and-control"}],"confidence":)" +
        std::to_string(rng() % 101) + R"(,"object_marking_refs":[")" + tlps[rng() % 3] +
        R"("],"external_references":[{"source_name":"socmesh-bench","url":"https://feeds.example/)" +
        std::to_string(i) + R"("}]})";
  }
  out += "]}";
  return out;
}

struct RawRow {
  std::string id;
  int64_t modified;
  std::string json;
};

double RawSqliteInsert(const std::string& path, const std::vector<RawRow>& rows, size_t batch) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) std::abort();
  auto exec = [&](const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "raw sqlite: %s\n", sqlite3_errmsg(db));
      std::abort();
    }
  };
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec(
      "CREATE TABLE t(seq INTEGER PRIMARY KEY, id TEXT NOT NULL, modified INTEGER NOT NULL, "
      "json TEXT NOT NULL, UNIQUE(id, modified))");
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t(id, modified, json) VALUES(?,?,?)", -1, &stmt, nullptr);
  auto start = Clock::now();
  for (size_t i = 0; i < rows.size(); i += batch) {
    exec("BEGIN");
    for (size_t j = i; j < std::min(rows.size(), i + batch); ++j) {
      sqlite3_bind_text(stmt, 1, rows[j].id.data(), static_cast<int>(rows[j].id.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 2, rows[j].modified);
      sqlite3_bind_text(stmt, 3, rows[j].json.data(), static_cast<int>(rows[j].json.size()),
                        SQLITE_STATIC);
      if (sqlite3_step(stmt) != SQLITE_DONE) std::abort();
      sqlite3_reset(stmt);
    }
    exec("COMMIT");
  }
  double s = Seconds(start, Clock::now());
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return s;
}

void RemoveStore(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

}  // namespace

int main(int argc, char** argv) {
  size_t objects = 300'000;
  size_t batch = 10'000;
  int reps = 3;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--objects")
      objects = std::stoul(next());
    else if (a == "--batch")
      batch = std::stoul(next());
    else if (a == "--reps")
      reps = std::stoi(next());
    else if (a == "--dir")
      dir = next();
    else if (a == "--smoke")
      objects = 20'000, reps = 1;
    else {
      std::fprintf(
          stderr,
          "usage: ingest_bench [--objects N] [--batch N] [--reps N] [--dir DIR] [--smoke]\n");
      return 2;
    }
  }
  std::mt19937_64 rng(42);
  const std::string bundle = MakeBundle(objects, rng);

  std::vector<double> parse_s, ours_s, raw_s;
  std::vector<RawRow> rows;
  for (int r = 0; r < reps; ++r) {
    // Parse + validate + canonicalise alone.
    auto t0 = Clock::now();
    auto parsed = model::ParseBundle(bundle);
    auto t1 = Clock::now();
    if (!parsed || parsed->objects.size() != objects) {
      std::fprintf(stderr, "parse failed: %s\n",
                   parsed ? "object count" : parsed.error().message.c_str());
      return 1;
    }
    parse_s.push_back(Seconds(t0, t1));
    if (rows.empty()) {
      for (const auto& o : parsed->objects)
        rows.push_back({o.id, o.version().micros, o.canonical_json});
    }

    // End to end: parse + store, durable.
    const std::string path = dir + "/socmesh-bench-" + std::to_string(getpid()) + ".db";
    RemoveStore(path);
    store::StoreOptions options;
    options.location = path;
    auto s = store::OpenStore(options);
    if (!s) {
      std::fprintf(stderr, "open: %s\n", s.error().message.c_str());
      return 1;
    }
    auto t2 = Clock::now();
    auto again = model::ParseBundle(bundle);
    std::span<const model::StixObject> all(again->objects);
    for (size_t i = 0; i < all.size(); i += batch) {
      auto result = (*s)->Ingest(all.subspan(i, std::min(batch, all.size() - i)));
      if (!result || result->inserted != std::min(batch, all.size() - i)) {
        std::fprintf(stderr, "ingest failed\n");
        return 1;
      }
    }
    ours_s.push_back(Seconds(t2, Clock::now()));
    s->reset();
    RemoveStore(path);

    const std::string raw_path = dir + "/socmesh-bench-raw-" + std::to_string(getpid()) + ".db";
    RemoveStore(raw_path);
    raw_s.push_back(RawSqliteInsert(raw_path, rows, batch));
    RemoveStore(raw_path);
  }
  const double mb = bundle.size() / 1e6;
  const double parse = Median(parse_s), ours = Median(ours_s), raw = Median(raw_s);
  std::printf("objects %zu, bundle %.1f MB, batch %zu, reps %d (medians)\n", objects, mb, batch,
              reps);
  std::printf("  parse+validate+canonicalise : %8.0f objects/s  %6.3f GB/s\n", objects / parse,
              bundle.size() / parse / 1e9);
  std::printf("  socmesh durable ingest      : %8.0f objects/s  (parse + store, all indexes)\n",
              objects / ours);
  std::printf("  raw SQLite insert (ceiling) : %8.0f rows/s\n", objects / raw);
  std::printf("  ratio socmesh / raw         : %8.2f\n", raw / ours);
  std::printf(
      "{\"bench\":\"ingest\",\"objects\":%zu,\"parse_objects_per_s\":%.0f,\"parse_gb_per_s\":%.3f,"
      "\"ingest_objects_per_s\":%.0f,\"raw_rows_per_s\":%.0f,\"ratio\":%.3f}\n",
      objects, objects / parse, bundle.size() / parse / 1e9, objects / ours, objects / raw,
      raw / ours);
  return 0;
}
