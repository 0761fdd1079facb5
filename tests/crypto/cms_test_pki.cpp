#include "crypto/cms_test_pki.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdio>
#include <fstream>

namespace socmesh::crypto::testing {

namespace {

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// CAs outlive the organisation certificates on both ends, so that checks "as of" an earlier time
// (expired signer tests) fail or pass because of the signer alone.
constexpr CertOptions kCaValidity{.is_ca = true, .valid_from_days = -100, .valid_days = 400};

}  // namespace

Identity MakeIdentity(const std::string& org, const std::string& cn, const Identity* issuer,
                      const CertOptions& options) {
  static long serial = 1000;
  Identity id;
  id.key.reset(EVP_EC_gen("P-256"));
  id.cert.reset(X509_new());
  X509* cert = id.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("EU"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  X509_gmtime_adj(X509_getm_notBefore(cert), options.valid_from_days * 86400L);
  X509_gmtime_adj(X509_getm_notAfter(cert),
                  (options.valid_from_days + options.valid_days) * 86400L);
  X509_set_pubkey(cert, id.key.get());
  AddExtension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) AddExtension(cert, issuer_cert, NID_authority_key_identifier, "keyid");
  if (options.is_ca) {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert, issuer_cert, NID_key_usage,
                 "critical,digitalSignature,nonRepudiation,keyAgreement");
  }
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : id.key.get();
  EXPECT_GT(X509_sign(cert, signing_key, EVP_sha256()), 0);
  return id;
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

void WritePem(const std::filesystem::path& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, cert);
  std::fclose(f);
}

void WritePem(const std::filesystem::path& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
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
