// Origin signatures (E3) and end-to-end envelopes (B12): objects/s signed and verified per object
// (one ECDSA P-256 signature each, the machine-limit reference measured in the same run) against
// batched origin signatures (one CMS signature per batch + an RFC 9162 inclusion proof per
// object); envelope seal/open MB/s for 1 KB, 64 KB and 1 MB payloads to 1, 5 and 20 recipients
// against raw AES-256-GCM on the same payload.
//
// Usage: crypto_bench [--objects N] [--reps N] [--smoke]
//   --smoke: small batch, one repetition, 1 KB and 64 KB payloads only (CI; runs in seconds).
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "bench_identity.hpp"
#include "bench_timing.hpp"
#include "crypto/envelope.hpp"
#include "crypto/origin_signature.hpp"
#include "model/bundle.hpp"

namespace {

namespace crypto = socmesh::crypto;

// Median over `reps` of `items` / seconds of `op`.
double MedianRate(int reps, double items, const std::function<void()>& op) {
  return socmesh::bench::MedianOf(reps, [&] { return items / socmesh::bench::Seconds(op); });
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "crypto_bench: %s\n", what.c_str());
  std::exit(1);
}

using socmesh::bench::Identity;
using socmesh::bench::MakeIdentity;

std::string ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool EcdsaSign(EVP_PKEY* key, const std::string& data, std::string& sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 80;
  sig.resize(len);
  const bool ok =
      EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return ok;
}

bool EcdsaVerify(EVP_PKEY* key, const std::string& data, const std::string& sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// Raw AES-256-GCM over `payload`: the limit for any envelope of that size.
void AesGcm(const std::string& payload, std::string& out) {
  static const unsigned char key[32] = {1}, iv[12] = {2};
  out.resize(payload.size() + 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key, iv);
  EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                    reinterpret_cast<const unsigned char*>(payload.data()),
                    static_cast<int>(payload.size()));
  EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + payload.size());
  EVP_CIPHER_CTX_free(ctx);
}

}  // namespace

int main(int argc, char** argv) {
  size_t n_objects = 20'000;
  int reps = 3;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--objects" && i + 1 < argc) {
      n_objects = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--smoke") {
      smoke = true;
    } else {
      std::fprintf(stderr, "usage: crypto_bench [--objects N] [--reps N] [--smoke]\n");
      return 2;
    }
  }
  if (smoke) {
    n_objects = 2'000;
    reps = 1;
  }

  const Identity root = MakeIdentity("Bench Root CA", nullptr);
  const Identity acme = MakeIdentity("ACME CERT", &root);
  auto trust = crypto::TrustStore::FromCertificates(std::vector<X509*>{root.cert});
  if (!trust) Die(trust.error().message);
  const crypto::Signer signer{.key = acme.key, .certificate = acme.cert, .intermediates = {}};

  // Real objects (ATT&CK ICS), repeated to the batch size: ~1.9 KB of canonical JSON on average.
  auto parsed = socmesh::model::ParseBundle(
      ReadFile(SOCMESH_TEST_DATA "/stix/mitre-attack-stix-data/ics-attack-18.1.json"));
  if (!parsed || parsed->objects.empty()) Die("cannot read the ATT&CK ICS bundle");
  std::vector<socmesh::model::StixObject> objects;
  objects.reserve(n_objects);
  size_t bytes = 0;
  for (size_t i = 0; i < n_objects; ++i) {
    objects.push_back(parsed->objects[i % parsed->objects.size()]);
    bytes += objects.back().canonical_json.size();
  }
  const double count = static_cast<double>(n_objects);
  std::printf("crypto_bench: %zu objects (avg %zu bytes canonical JSON), %d rep(s)\n", n_objects,
              bytes / n_objects, reps);

  // Reference: one ECDSA signature per object (fewer objects: it is the slow path).
  const size_t n_ref = std::min<size_t>(n_objects, smoke ? 500 : 5'000);
  std::vector<std::string> sigs(n_ref);
  const double ref_sign = MedianRate(reps, static_cast<double>(n_ref), [&] {
    for (size_t i = 0; i < n_ref; ++i) {
      if (!EcdsaSign(acme.key, objects[i].canonical_json, sigs[i])) Die("ECDSA sign");
    }
  });
  const double ref_verify = MedianRate(reps, static_cast<double>(n_ref), [&] {
    for (size_t i = 0; i < n_ref; ++i) {
      if (!EcdsaVerify(acme.key, objects[i].canonical_json, sigs[i])) Die("ECDSA verify");
    }
  });

  // Batched: sign once, serialise every proof (what goes on the wire).
  std::vector<std::string> proofs;
  const double batch_sign = MedianRate(reps, count, [&] {
    auto batch = crypto::SignBatch(objects, "bench-batch", signer, {1'795'000'000'000'000});
    if (!batch) Die(batch.error().message);
    proofs.clear();
    proofs.reserve(batch->proofs.size());
    for (const auto& p : batch->proofs) proofs.push_back(crypto::SerializeOriginProof(p));
  });
  // A fresh verifier per repetition: each run pays the one CMS verification.
  uint64_t cms_checks = 0;
  const double batch_verify = MedianRate(reps, count, [&] {
    crypto::OriginVerifier verifier(*trust);
    for (size_t i = 0; i < n_objects; ++i) {
      auto v = verifier.Verify(objects[i], proofs[i]);
      if (!v) Die(v.error().message);
    }
    cms_checks = verifier.signature_verifications();
  });
  std::printf("origin signatures (one core):\n");
  std::printf("  per-object ECDSA P-256 sign   : %9.0f objects/s (reference)\n", ref_sign);
  std::printf("  per-object ECDSA P-256 verify : %9.0f objects/s (reference)\n", ref_verify);
  std::printf("  batched sign + proofs (JSON)  : %9.0f objects/s  ratio %.1f x per-object sign\n",
              batch_sign, batch_sign / ref_sign);
  std::printf(
      "  batched verify (proof JSON)   : %9.0f objects/s  ratio %.1f x per-object verify"
      "  (%llu CMS verification(s) per batch of %zu)\n",
      batch_verify, batch_verify / ref_verify, static_cast<unsigned long long>(cms_checks),
      n_objects);
  std::printf("  target >= 100000 objects/s verified: %s\n",
              batch_verify >= 100'000 ? "met" : "NOT met");

  // Envelopes.
  std::vector<Identity> recipients;
  for (int i = 0; i < 20; ++i) {
    recipients.push_back(MakeIdentity(("CERT-" + std::to_string(i)).c_str(), &root));
  }
  std::vector<size_t> sizes = {1024, 64 * 1024};
  if (!smoke) sizes.push_back(1024 * 1024);
  std::printf(
      "envelopes (seal = encrypt to all + sign routing; open = verify routing + decrypt):\n");
  std::printf("  %8s %4s %12s %12s %12s %8s\n", "payload", "rcpt", "seal MB/s", "open MB/s",
              "AES-GCM MB/s", "open/raw");
  std::string json_envelopes;
  for (size_t size : sizes) {
    std::string payload(size, 'x');
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
    const double mb = static_cast<double>(size) / 1e6;
    const int iters = size >= 1024 * 1024 ? 20 : size >= 64 * 1024 ? 100 : 400;
    std::string sealed_raw;
    const double raw = MedianRate(reps, mb * iters * 10, [&] {
      for (int i = 0; i < iters * 10; ++i) AesGcm(payload, sealed_raw);
    });
    for (int n : {1, 5, 20}) {
      std::vector<X509*> certs;
      for (int i = 0; i < n; ++i) certs.push_back(recipients[i].cert);
      crypto::RoutingMetadata routing;
      routing.envelope_id = "bench";
      routing.tlp = "red";
      std::string wire;
      const int k = std::max(1, iters / n);
      const double seal = MedianRate(reps, mb * k, [&] {
        for (int i = 0; i < k; ++i) {
          auto w = crypto::SealEnvelope(payload, routing, certs, signer);
          if (!w) Die(w.error().message);
          wire = std::move(*w);
        }
      });
      const Identity& reader = recipients[n - 1];
      const double open = MedianRate(reps, mb * iters, [&] {
        for (int i = 0; i < iters; ++i) {
          auto o = crypto::OpenEnvelope(wire, reader.key, reader.cert, *trust);
          if (!o || o->payload.size() != size) Die(o ? "payload size" : o.error().message);
        }
      });
      std::printf("  %7zuK %4d %12.1f %12.1f %12.1f %8.3f\n", size / 1024, n, seal, open, raw,
                  open / raw);
      json_envelopes += (json_envelopes.empty() ? "" : ",") + std::string("{\"bytes\":") +
                        std::to_string(size) + ",\"recipients\":" + std::to_string(n) +
                        ",\"seal_mb_s\":" + std::to_string(seal) +
                        ",\"open_mb_s\":" + std::to_string(open) +
                        ",\"aes_gcm_mb_s\":" + std::to_string(raw) + "}";
    }
  }
  std::printf(
      "{\"bench\":\"crypto\",\"objects\":%zu,\"ecdsa_sign_per_s\":%.0f,\"ecdsa_verify_per_s\":%.0f,"
      "\"batch_sign_per_s\":%.0f,\"batch_verify_per_s\":%.0f,\"verify_ratio\":%.2f,"
      "\"envelopes\":[%s]}\n",
      n_objects, ref_sign, ref_verify, batch_sign, batch_verify, batch_verify / ref_verify,
      json_envelopes.c_str());
  return 0;
}
