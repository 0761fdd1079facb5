#include "crypto/cms_test_pki.hpp"

#include <openssl/x509v3.h>

#include <array>
#include <cstdio>
#include <fstream>

namespace socmesh::crypto::testing {

namespace {

// CAs outlive the organisation certificates on both ends, so that checks "as of" an earlier time
// (expired signer tests) fail or pass because of the signer alone.
constexpr CertOptions kCaValidity{.is_ca = true, .valid_from_days = -100, .valid_days = 400};

}  // namespace

Identity MakeIdentity(const std::string& org, const std::string& cn, const Identity* issuer,
                      const CertOptions& options) {
  socmesh::testing::CertSpec spec{
      .subject = {{"C", "EU"}, {"O", org}, {"CN", cn}},
      .not_before_days = options.valid_from_days,
      .not_after_days = options.valid_from_days + options.valid_days,
      .extensions = {{NID_subject_key_identifier, "hash"}},
  };
  if (issuer != nullptr) spec.extensions.emplace_back(NID_authority_key_identifier, "keyid");
  if (options.is_ca) {
    spec.extensions.emplace_back(NID_basic_constraints, "critical,CA:TRUE");
    spec.extensions.emplace_back(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    // No extended key usage: `openssl cms -verify` (the oracle) would then demand emailProtection.
    spec.extensions.emplace_back(NID_basic_constraints, "critical,CA:FALSE");
    spec.extensions.emplace_back(NID_key_usage,
                                 "critical,digitalSignature,nonRepudiation,keyAgreement");
  }
  return socmesh::testing::IssueCertificate(spec, issuer);
}

TestPki::TestPki()
    : root(MakeIdentity("socmesh Test Network", "Root CA", nullptr, kCaValidity)),
      country_ca(MakeIdentity("socmesh Test Network", "Country CA EU", &root, kCaValidity)),
      rogue_root(MakeIdentity("Rogue", "Rogue Root CA", nullptr, kCaValidity)) {}

Identity TestPki::Organisation(const std::string& org, const Identity* issuer) const {
  return MakeIdentity(org, org + " node", issuer != nullptr ? issuer : &country_ca);
}

Signer TestPki::SignerFor(const Identity& id) const {
  return Signer{
      .key = id.key.get(), .certificate = id.cert.get(), .intermediates = {country_ca.cert.get()}};
}

void WriteBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf{};
  std::string text;
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
  const int status = pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace socmesh::crypto::testing
