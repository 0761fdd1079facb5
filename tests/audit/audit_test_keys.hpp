// Test keys for the audit log, made by the openssl command line (an independent implementation)
// in a temporary directory: the log's ECDSA P-256 key, its public key and a self-signed
// certificate, and a second key to forge with.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "audit/signing_key.hpp"
#include "common/test_data.hpp"
#include "model/timestamp.hpp"

namespace socmesh::audit::testing {

// Runs a shell command, returns its exit status (-1 if it did not exit normally).
inline int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct TestKeys {
  explicit TestKeys(const std::filesystem::path& dir)
      : key_pem(dir / "key.pem"),
        pub_pem(dir / "pub.pem"),
        cert_pem(dir / "cert.pem"),
        other_key_pem(dir / "other.pem"),
        other_pub_pem(dir / "other_pub.pem") {
    const std::string gen = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ";
    EXPECT_EQ(Shell(gen + key_pem.string() + " 2>/dev/null"), 0);
    EXPECT_EQ(Shell(gen + other_key_pem.string() + " 2>/dev/null"), 0);
    EXPECT_EQ(Shell("openssl pkey -in " + key_pem.string() + " -pubout -out " + pub_pem.string()),
              0);
    EXPECT_EQ(Shell("openssl pkey -in " + other_key_pem.string() + " -pubout -out " +
                    other_pub_pem.string()),
              0);
    EXPECT_EQ(Shell("openssl req -x509 -new -key " + key_pem.string() +
                    " -subj /CN=audit-test -days 1 -out " + cert_pem.string() + " 2>/dev/null"),
              0);
    auto k = LoadPrivateKeyPem(key_pem);
    EXPECT_TRUE(k) << k.error().message;
    if (k) key = std::move(*k);
    auto o = LoadPrivateKeyPem(other_key_pem);
    EXPECT_TRUE(o) << o.error().message;
    if (o) other_key = std::move(*o);
    auto p = LoadPublicKeyPem(pub_pem);
    EXPECT_TRUE(p) << p.error().message;
    if (p) pub = std::move(*p);
  }

  std::filesystem::path key_pem, pub_pem, cert_pem, other_key_pem, other_pub_pem;
  PkeyPtr key, other_key, pub;
};

// A clock that advances one second per reading from 2026-01-01T00:00:00Z: deterministic times.
struct StepClock {
  int64_t next = int64_t{1'767'225'600} * 1'000'000;
  model::Timestamp operator()() {
    model::Timestamp t{next};
    next += 1'000'000;
    return t;
  }
};

}  // namespace socmesh::audit::testing
