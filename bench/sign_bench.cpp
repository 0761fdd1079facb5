// ECDSA P-256 signing and verification rates through crypto::Key, for a key in a PEM file and a key
// in a SoftHSM2 token (B10). The machine-limit reference is plain OpenSSL (EVP_DigestSign/Verify on
// an in-memory key) measured in the same run; the ratio shows what the Key abstraction and the
// PKCS#11 path cost.
//
// Usage: sign_bench [--seconds S] [--reps N] [--smoke]
//   --smoke: a fraction of a second per measurement (CI); prints the same lines.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "crypto/key.hpp"

namespace {

using socmesh::crypto::Key;
namespace fs = std::filesystem;

// Runs `op` repeatedly for about `seconds`; returns operations per second.
double Rate(double seconds, const std::function<bool()>& op) {
  using socmesh::bench::Clock;
  const auto start = Clock::now();
  size_t n = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 16; ++i) {
      if (!op()) {
        std::fprintf(stderr, "operation failed\n");
        std::exit(1);
      }
    }
    n += 16;
    elapsed = socmesh::bench::Seconds(start, Clock::now());
  } while (elapsed < seconds);
  return static_cast<double>(n) / elapsed;
}

double MedianRate(int reps, double seconds, const std::function<bool()>& op) {
  return socmesh::bench::MedianOf(reps, [&] { return Rate(seconds, op); });
}

bool RawSign(EVP_PKEY* key, const std::string& data, std::string& sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 80;
  sig.resize(len);
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return ok;
}

bool RawVerify(EVP_PKEY* key, const std::string& data, const std::string& sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  int reps = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--smoke") {
      seconds = 0.1;
      reps = 1;
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: sign_bench [--seconds S] [--reps N] [--smoke]\n");
      return 2;
    }
  }
  // A private SoftHSM2 token, set up before anything loads the module.
  const fs::path dir = fs::temp_directory_path() / ("sign-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir / "tokens");
  std::ofstream(dir / "softhsm2.conf")
      << "directories.tokendir = " << (dir / "tokens").string() << "\nlog.level = ERROR\n";
  ::setenv("SOFTHSM2_CONF", (dir / "softhsm2.conf").c_str(), 1);
  int rc = std::system(
      "softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null");
  if (rc != 0) {
    std::fprintf(stderr, "softhsm2-util failed (install softhsm2)\n");
    return 1;
  }
  socmesh::crypto::KeyOptions token_opts;
  token_opts.pin = "1234";
  auto token_key = Key::Generate("pkcs11:token=bench;object=benchkey", token_opts);
  auto file_key = Key::Generate((dir / "bench.key").string(), {});
  if (!token_key || !file_key) {
    std::fprintf(stderr, "key set-up failed: %s\n",
                 (!token_key ? token_key.error() : file_key.error()).message.c_str());
    return 1;
  }
  EVP_PKEY* raw = EVP_EC_gen("P-256");

  const std::string data(512, 'x');  // about one STIX object, or one batch head
  std::string raw_sig;
  RawSign(raw, data, raw_sig);
  const std::string file_sig = *file_key->Sign(data);
  const std::string token_sig = *token_key->Sign(data);

  const double raw_sign = MedianRate(reps, seconds, [&] { return RawSign(raw, data, raw_sig); });
  const double raw_verify =
      MedianRate(reps, seconds, [&] { return RawVerify(raw, data, raw_sig); });
  const double file_sign =
      MedianRate(reps, seconds, [&] { return file_key->Sign(data).has_value(); });
  const double file_verify = MedianRate(reps, seconds, [&] {
    return socmesh::crypto::VerifySignature(file_key->pkey(), data, file_sig).value_or(false);
  });
  const double token_sign =
      MedianRate(reps, seconds, [&] { return token_key->Sign(data).has_value(); });
  // Verification needs only the public key: it runs in software even for a token key.
  const double token_verify = MedianRate(reps, seconds, [&] {
    return socmesh::crypto::VerifySignature(token_key->pkey(), data, token_sig).value_or(false);
  });

  std::printf("ECDSA P-256 / SHA-256 over 512 bytes, one thread, median of %d x %.1f s\n", reps,
              seconds);
  std::printf("  reference OpenSSL sign     : %9.0f /s\n", raw_sign);
  std::printf("  reference OpenSSL verify   : %9.0f /s\n", raw_verify);
  std::printf("  file key   sign            : %9.0f /s  (ratio %.2f)\n", file_sign,
              file_sign / raw_sign);
  std::printf("  file key   verify          : %9.0f /s  (ratio %.2f)\n", file_verify,
              file_verify / raw_verify);
  std::printf("  token key  sign (SoftHSM2) : %9.0f /s  (ratio %.2f)\n", token_sign,
              token_sign / raw_sign);
  std::printf("  token key  verify          : %9.0f /s  (ratio %.2f)\n", token_verify,
              token_verify / raw_verify);
  std::printf(
      "{\"raw_sign\":%.0f,\"raw_verify\":%.0f,\"file_sign\":%.0f,\"file_verify\":%.0f,"
      "\"token_sign\":%.0f,\"token_verify\":%.0f}\n",
      raw_sign, raw_verify, file_sign, file_verify, token_sign, token_verify);
  EVP_PKEY_free(raw);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
