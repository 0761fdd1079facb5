// Test PKI for the CMS tests (origin signatures, receipts, envelopes): a network root CA, a
// country intermediate, organisation certificates (ECDSA P-256) and an unrelated "rogue" CA, made
// in-process with OpenSSL (common/test_pki.hpp) and written as PEM for the openssl command line
// used as an oracle.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/test_pki.hpp"
#include "crypto/signer.hpp"

namespace socmesh::crypto::testing {

using socmesh::testing::Identity;
using socmesh::testing::WritePem;

struct CertOptions {
  bool is_ca = false;
  long valid_from_days = -1;  // relative to now
  long valid_days = 30;
};

// A key pair and a certificate with subject O=`org`, CN=`cn`, issued by `issuer` (self-signed when
// null).
Identity MakeIdentity(const std::string& org, const std::string& cn, const Identity* issuer,
                      const CertOptions& options = {});

// root CA -> country CA (intermediate) -> organisations; plus a rogue root outside the network.
struct TestPki {
  Identity root;
  Identity country_ca;
  Identity rogue_root;

  TestPki();
  // An organisation certificate issued by the country CA (or by `issuer`).
  Identity Organisation(const std::string& org, const Identity* issuer = nullptr) const;
  // A Signer borrowing `id`'s key and certificate, with the country CA as intermediate.
  Signer SignerFor(const Identity& id) const;
};

void WriteBytes(const std::filesystem::path& path, const std::string& bytes);

// Runs a shell command, returns its exit status; stdout+stderr go to `output` when given.
int RunCommand(const std::string& command, std::string* output = nullptr);

}  // namespace socmesh::crypto::testing
