// Macro benchmark of the audit log (E5): durable appends (one fdatasync per entry, and batched),
// proof generation and verification, against the machine's limit measured in the same run: raw
// write() + fdatasync() of the very same bytes (the entry lines), with the same batching.
//
// Usage: audit_bench [--entries N] [--batch N] [--proofs N] [--reps N] [--dir DIR] [--smoke]
// Prints a table and one JSON line (for docs/benchmarks.md and scripts).
#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/log.hpp"
#include "audit/log_files.hpp"
#include "audit/proof.hpp"
#include "bench_timing.hpp"

namespace {

using socmesh::bench::Clock;
using socmesh::bench::Median;
using socmesh::bench::Seconds;
namespace audit = socmesh::audit;
namespace fs = std::filesystem;

audit::AuditEvent Event(size_t i) {
  audit::AuditEvent e;
  e.actor = {"CERT-EU", "analyst-" + std::to_string(i % 17), "node-1"};
  e.action = i % 3 == 0 ? "ingest" : "read";
  e.target = "indicator--3f1c2a9e-0b7d-4c5e-8a6f-" + std::to_string(100000000000 + i);
  e.details = {{"objects", std::to_string(i % 500)}, {"peer", "csirt.example"}};
  return e;
}

// Appends `n` entries, `batch` per call (1: Append), with an fdatasync per call.
double OursAppend(const fs::path& dir, EVP_PKEY* key, const std::vector<audit::AuditEvent>& events,
                  size_t batch) {
  fs::remove_all(dir);
  audit::AuditLogOptions o;
  o.dir = dir;
  o.signing_key = key;
  o.checkpoint_every_entries = 1000;
  auto log = audit::AuditLog::Open(o);
  if (!log) {
    std::fprintf(stderr, "open: %s\n", log.error().message.c_str());
    std::exit(1);
  }
  auto t0 = Clock::now();
  std::span<const audit::AuditEvent> all(events);
  for (size_t i = 0; i < all.size(); i += batch) {
    auto r = batch == 1 ? (*log)->Append(all[i])
                        : (*log)->AppendBatch(all.subspan(i, std::min(batch, all.size() - i)));
    if (!r) {
      std::fprintf(stderr, "append: %s\n", r.error().message.c_str());
      std::exit(1);
    }
  }
  if (!(*log)->Close()) std::exit(1);
  return Seconds(t0, Clock::now());
}

// The ceiling: the same bytes, written with the same batching and one fdatasync per write.
double RawAppend(const fs::path& file, const std::vector<std::string>& lines, size_t batch) {
  fs::remove(file);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) std::exit(1);
  auto t0 = Clock::now();
  std::string buf;
  for (size_t i = 0; i < lines.size(); i += batch) {
    buf.clear();
    for (size_t j = i; j < std::min(lines.size(), i + batch); ++j) buf += lines[j] + "\n";
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) std::exit(1);
    if (::fdatasync(fd) != 0) std::exit(1);
  }
  const double s = Seconds(t0, Clock::now());
  ::close(fd);
  fs::remove(file);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  size_t entries = 2'000, batch = 100, proofs = 200;
  size_t batched_entries = 100'000;
  int reps = 3;
  std::string dir = fs::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--entries") {
      entries = std::stoul(next());
    } else if (a == "--batched-entries") {
      batched_entries = std::stoul(next());
    } else if (a == "--batch") {
      batch = std::stoul(next());
    } else if (a == "--proofs") {
      proofs = std::stoul(next());
    } else if (a == "--reps") {
      reps = std::stoi(next());
    } else if (a == "--dir") {
      dir = next();
    } else if (a == "--smoke") {
      entries = 200, batched_entries = 5'000, proofs = 20, reps = 1;
    } else {
      std::fprintf(stderr,
                   "usage: audit_bench [--entries N] [--batched-entries N] [--batch N] "
                   "[--proofs N] [--reps N] [--dir DIR] [--smoke]\n");
      return 2;
    }
  }
  EVP_PKEY* key = EVP_EC_gen("P-256");
  const fs::path base = fs::path(dir) / ("socmesh-audit-bench-" + std::to_string(getpid()));
  fs::create_directories(base);
  std::vector<audit::AuditEvent> events, batched_events;
  for (size_t i = 0; i < entries; ++i) events.push_back(Event(i));
  for (size_t i = 0; i < batched_entries; ++i) batched_events.push_back(Event(i));

  std::vector<double> ours1, raw1, oursb, rawb, gen, ver, merkle_ver;
  for (int r = 0; r < reps; ++r) {
    ours1.push_back(OursAppend(base / "log1", key, events, 1));
    oursb.push_back(OursAppend(base / "logb", key, batched_events, batch));
    // Raw writes of exactly the lines the log wrote.
    auto lines1 = audit::ReadLineFile(base / "log1" / audit::kEntriesFile)->lines;
    auto linesb = audit::ReadLineFile(base / "logb" / audit::kEntriesFile)->lines;
    raw1.push_back(RawAppend(base / "raw1", lines1, 1));
    rawb.push_back(RawAppend(base / "rawb", linesb, batch));

    // Proofs over the large log, against its newest checkpoint.
    auto snap = audit::ReadLog(base / "logb");
    if (!snap) return 1;
    std::vector<audit::InclusionProof> built;
    auto t0 = Clock::now();
    for (size_t p = 0; p < proofs; ++p) {
      auto proof = audit::BuildInclusionProof(*snap, (p * 7919) % batched_entries);
      if (!proof) {
        std::fprintf(stderr, "proof: %s\n", proof.error().message.c_str());
        return 1;
      }
      built.push_back(std::move(*proof));
    }
    gen.push_back(Seconds(t0, Clock::now()) / proofs);
    t0 = Clock::now();
    for (const auto& p : built) {
      if (!audit::VerifyProof(p, key)) return 1;
    }
    ver.push_back(Seconds(t0, Clock::now()) / proofs);
    t0 = Clock::now();
    for (const auto& p : built) {
      if (!socmesh::crypto::merkle::VerifyInclusion(socmesh::crypto::merkle::LeafHash(p.entry),
                                                    p.seq, p.checkpoint.head.size, p.path,
                                                    p.checkpoint.head.root)) {
        return 1;
      }
    }
    merkle_ver.push_back(Seconds(t0, Clock::now()) / proofs);
  }
  fs::remove_all(base);
  EVP_PKEY_free(key);
  const double o1 = entries / Median(ours1), r1 = entries / Median(raw1);
  const double ob = batched_entries / Median(oursb), rb = batched_entries / Median(rawb);
  std::printf("entries %zu unbatched / %zu in batches of %zu, proofs %zu, reps %d (medians)\n",
              entries, batched_entries, batch, proofs, reps);
  std::printf(
      "  append, fdatasync each     : %9.0f entries/s   raw write+fdatasync %9.0f/s  ratio %.2f\n",
      o1, r1, o1 / r1);
  std::printf(
      "  append, batches of %-6zu  : %9.0f entries/s   raw write+fdatasync %9.0f/s  ratio %.2f\n",
      batch, ob, rb, ob / rb);
  std::printf("  inclusion proof generation : %9.0f proofs/s  (tree of %zu, from the files)\n",
              1 / Median(gen), batched_entries);
  std::printf("  inclusion proof verify     : %9.0f proofs/s  (ECDSA checkpoint + path)\n",
              1 / Median(ver));
  std::printf("  path only (RFC 9162)       : %9.0f proofs/s\n", 1 / Median(merkle_ver));
  std::printf(
      "{\"bench\":\"audit\",\"append_per_s\":%.0f,\"raw_per_s\":%.0f,\"ratio\":%.3f,"
      "\"batched_append_per_s\":%.0f,\"batched_raw_per_s\":%.0f,\"batched_ratio\":%.3f,"
      "\"proof_gen_per_s\":%.0f,\"proof_verify_per_s\":%.0f,\"path_verify_per_s\":%.0f}\n",
      o1, r1, o1 / r1, ob, rb, ob / rb, 1 / Median(gen), 1 / Median(ver), 1 / Median(merkle_ver));
  return 0;
}
