// Certificates for tests and benchmarks, made in-process with OpenSSL alone: P-256 keys,
// certificates with a chosen subject, validity and extensions, PEM files. Deliberately
// independent of socmesh's pki/ and crypto/ modules: it is the oracle their tests compare
// against, so a bug there cannot hide itself. No test framework either (benchmarks use it):
// failures throw std::runtime_error.
//
// Two profiles are built on it: the TLS test CA of tests/net (test_certs.hpp) and the CMS test
// PKI of tests/crypto (cms_test_pki.hpp).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace socmesh::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

// A key pair and its certificate.
struct Identity {
  PkeyPtr key;
  CertPtr cert;
};

struct CertSpec {
  // Subject entries in order, e.g. {{"C", "EU"}, {"O", "ACME"}, {"CN", "node"}}; an empty value is
  // still added (tests of certificates without an organisation rely on it).
  std::vector<std::pair<std::string, std::string>> subject;
  long serial = 0;            // 0: the next of a process-wide counter (1001, 1002, ...)
  long not_before_days = -1;  // relative to now
  long not_after_days = 30;   // relative to now
  // X.509v3 extensions in order, as OpenSSL configuration values ("critical,CA:TRUE", "keyid"),
  // resolved against the issuer's certificate (authority key id) and the new one (subject key id).
  std::vector<std::pair<int, std::string>> extensions;
};

// A fresh P-256 key and a certificate for `spec`, signed with SHA-256 by `issuer`, or self-signed
// when `issuer` is null.
Identity IssueCertificate(const CertSpec& spec, const Identity* issuer);

// PEM files (overwritten). Throw when the file cannot be written.
void WritePem(const std::filesystem::path& path, X509* cert);
void WritePem(const std::filesystem::path& path, EVP_PKEY* key);
void WritePem(const std::filesystem::path& path, X509_CRL* crl);

}  // namespace socmesh::testing
