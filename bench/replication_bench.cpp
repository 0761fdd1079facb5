// Replication apply (issue 6 item 2): objects/s through federation::Receiver::Apply — parse the
// transfer, verify origin signatures (one CMS per batch head) and inclusion proofs, the policy,
// keep the proofs in federation.db, ingest, sign one receipt per head — against the reference
// measured in the same run: the same objects ingested straight into a fresh store (what a node
// pays anyway). Both stores are SQLite with durability "full". Each path also reports its process
// CPU time per object, the steadier figure on a shared machine.
//
// Usage: replication_bench [--objects N] [--transfer N] [--reps N] [--smoke]
//   --smoke: 2000 objects, one repetition (CI; a few seconds).
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench_identity.hpp"
#include "bench_timing.hpp"
#include "crypto/origin_signature.hpp"
#include "federation/receiver.hpp"
#include "federation/state.hpp"
#include "federation/wire.hpp"
#include "model/identifier.hpp"
#include "store/store.hpp"

namespace {

namespace crypto = socmesh::crypto;
namespace federation = socmesh::federation;
namespace fs = std::filesystem;
using socmesh::bench::Median;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "replication_bench: %s\n", what.c_str());
  std::exit(1);
}

socmesh::model::Timestamp Now() {
  return socmesh::model::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count()};
}

using socmesh::bench::Identity;
using socmesh::bench::MakeIdentity;

std::string Indicator(size_t n) {
  char id[64];
  std::snprintf(id, sizeof id, "indicator--%08zx-0000-4000-8000-0000000000b1", n);
  return std::string(R"({"type":"indicator","spec_version":"2.1","id":")") + id +
         R"(","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
         R"("pattern":"[ipv4-addr:value = '10.)" +
         std::to_string((n >> 16) & 255) + "." + std::to_string((n >> 8) & 255) + "." +
         std::to_string(n & 255) +
         R"(']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})";
}

std::unique_ptr<socmesh::store::Store> FreshStore(const fs::path& file) {
  fs::remove(file);
  fs::remove(file.string() + "-wal");
  fs::remove(file.string() + "-shm");
  auto store = socmesh::store::OpenStore({.location = file.string()});
  if (!store) Die(store.error().message);
  return std::move(*store);
}

}  // namespace

int main(int argc, char** argv) {
  size_t n_objects = 50'000, per_transfer = 500;
  int reps = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--objects" && i + 1 < argc) {
      n_objects = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--transfer" && i + 1 < argc) {
      per_transfer = std::clamp(std::atoi(argv[++i]), 1, 5000);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--smoke") {
      n_objects = 2000;
      reps = 1;
    } else {
      Die("unknown argument " + a);
    }
  }
  const Identity ca = MakeIdentity("EU SOC Network", nullptr);
  const Identity origin = MakeIdentity("CERT-DE", &ca);
  const Identity receiver_id = MakeIdentity("CERT-FR", &ca);
  X509* anchors[] = {ca.cert};
  auto trust = crypto::TrustStore::FromCertificates(anchors);
  if (!trust) Die(trust.error().message);

  // The sender's side, outside the timing: objects, origin batches, transfers as text.
  std::vector<socmesh::model::StixObject> objects;
  for (size_t i = 0; i < n_objects; ++i) {
    auto o = socmesh::model::ParseStixObject(Indicator(i));
    if (!o) Die(o.error().message);
    objects.push_back(std::move(*o));
  }
  const crypto::Signer origin_signer{origin.key, origin.cert, {}};
  std::vector<std::string> transfers;
  for (size_t start = 0; start < n_objects; start += per_transfer) {
    const size_t end = std::min(n_objects, start + per_transfer);
    std::span<const socmesh::model::StixObject> slice(objects.data() + start, end - start);
    auto batch = crypto::SignBatch(slice, socmesh::model::FormatUuid(socmesh::model::NewUuidV4()),
                                   origin_signer, Now());
    if (!batch) Die(batch.error().message);
    federation::Transfer t;
    t.sender = "CERT-DE";
    t.receiver = "CERT-FR";
    t.sent_time = Now();
    for (size_t i = 0; i < slice.size(); ++i) {
      t.items.push_back(
          {slice[i].canonical_json, crypto::SerializeOriginProof(batch->proofs[i], {i == 0})});
    }
    t.transfer_id = socmesh::model::FormatUuid(socmesh::model::NewUuidV4());
    transfers.push_back(federation::SerializeTransfer(t));
  }

  const fs::path dir =
      fs::temp_directory_path() / ("replication_bench." + std::to_string(getpid()));
  fs::create_directories(dir);
  federation::ReplicationConfig config;
  config.node_name = "bench";
  config.self = {"CERT-FR", "FR", "", {}, true};
  federation::PeerLink peer;
  peer.name = "de";
  peer.holder = {"CERT-DE", "DE", "", {}, true};
  config.peers.push_back(peer);
  const crypto::Signer receipt_signer{receiver_id.key, receiver_id.cert, {}};

  std::vector<std::string> texts;
  for (const auto& o : objects) texts.push_back(o.canonical_json);
  std::vector<double> raw_rates, parsed_rates, apply_rates;
  // Process CPU µs per object besides the wall-clock rates: on the shared machine the wall clock
  // also counts waiting for fsync and for other tenants, CPU time mostly what the code costs.
  std::vector<double> raw_cpu, parsed_cpu, apply_cpu;
  for (int r = 0; r < reps; ++r) {
    {
      // What any receiver of STIX text pays (a TAXII POST): parse and validate, then ingest.
      auto store = FreshStore(dir / "parsed.db");
      const socmesh::bench::Stamp start;
      for (size_t s = 0; s < n_objects; s += per_transfer) {
        std::vector<socmesh::model::StixObject> slice;
        for (size_t i = s; i < std::min(n_objects, s + per_transfer); ++i) {
          auto o = socmesh::model::ParseStixObject(texts[i]);
          if (!o) Die(o.error().message);
          slice.push_back(std::move(*o));
        }
        if (auto ok = store->Ingest(slice); !ok) Die(ok.error().message);
      }
      const socmesh::bench::Span spent = socmesh::bench::Since(start);
      parsed_rates.push_back(static_cast<double>(n_objects) / spent.wall);
      parsed_cpu.push_back(spent.cpu * 1e6 / static_cast<double>(n_objects));
    }
    {
      auto store = FreshStore(dir / "raw.db");
      const socmesh::bench::Stamp start;
      for (size_t s = 0; s < n_objects; s += per_transfer) {
        std::span<const socmesh::model::StixObject> slice(objects.data() + s,
                                                          std::min(per_transfer, n_objects - s));
        if (auto ok = store->Ingest(slice); !ok) Die(ok.error().message);
      }
      const socmesh::bench::Span spent = socmesh::bench::Since(start);
      raw_rates.push_back(static_cast<double>(n_objects) / spent.wall);
      raw_cpu.push_back(spent.cpu * 1e6 / static_cast<double>(n_objects));
    }
    {
      auto store = FreshStore(dir / "replica.db");
      fs::remove(dir / "federation.db");
      auto state = federation::FederationState::Open(dir / "federation.db");
      if (!state) Die(state.error().message);
      crypto::OriginVerifier verifier(*trust);
      federation::Receiver receiver(
          config, *store, **state, *trust, verifier, receipt_signer,
          [](socmesh::audit::AuditEvent) -> socmesh::Result<void> { return {}; });
      size_t accepted = 0;
      const socmesh::bench::Stamp start;
      for (const auto& text : transfers) {
        auto t = federation::ParseTransfer(text);
        if (!t) Die(t.error().message);
        t->sent_time = Now();  // stay inside the replay window on slow machines
        auto applied = receiver.Apply(*t, config.peers[0], "push");
        if (!applied) Die(applied.error().message);
        accepted += applied->accepted;
      }
      const socmesh::bench::Span spent = socmesh::bench::Since(start);
      apply_rates.push_back(static_cast<double>(n_objects) / spent.wall);
      apply_cpu.push_back(spent.cpu * 1e6 / static_cast<double>(n_objects));
      if (accepted != n_objects) Die("accepted " + std::to_string(accepted));
    }
  }
  fs::remove_all(dir);
  const double raw = Median(raw_rates), parsed = Median(parsed_rates), apply = Median(apply_rates);
  std::printf("replication apply: %zu objects, %zu per transfer, median of %d\n", n_objects,
              per_transfer, reps);
  std::printf("  raw store ingest (reference)      %10.0f objects/s  %6.1f us CPU/object\n", raw,
              Median(raw_cpu));
  std::printf("  parse + ingest (reference)        %10.0f objects/s  %6.1f us CPU/object\n", parsed,
              Median(parsed_cpu));
  std::printf(
      "  replication apply                 %10.0f objects/s  %6.1f us CPU/object  (%.2fx of raw "
      "ingest, %.2fx of parse + ingest)\n",
      apply, Median(apply_cpu), apply / raw, apply / parsed);
  return 0;
}
