#include "common/test_pki.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <functional>
#include <stdexcept>

namespace socmesh::testing {

namespace {

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("bad certificate extension: " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void WriteFile(const std::filesystem::path& path, const std::function<int(FILE*)>& write) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path.string());
  const int ok = write(f);
  std::fclose(f);
  if (ok != 1) throw std::runtime_error("cannot encode PEM for " + path.string());
}

}  // namespace

Identity IssueCertificate(const CertSpec& spec, const Identity* issuer) {
  static long next_serial = 1000;
  Identity id;
  id.key.reset(EVP_EC_gen("P-256"));
  if (id.key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  id.cert.reset(X509_new());
  X509* cert = id.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), spec.serial != 0 ? spec.serial : ++next_serial);
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& [field, value] : spec.subject) {
    X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  X509_gmtime_adj(X509_getm_notBefore(cert), spec.not_before_days * 86400L);
  X509_gmtime_adj(X509_getm_notAfter(cert), spec.not_after_days * 86400L);
  X509_set_pubkey(cert, id.key.get());
  for (const auto& [nid, value] : spec.extensions) AddExtension(cert, issuer_cert, nid, value);
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : id.key.get();
  if (X509_sign(cert, signing_key, EVP_sha256()) <= 0) {
    throw std::runtime_error("X509_sign failed");
  }
  return id;
}

void WritePem(const std::filesystem::path& path, X509* cert) {
  WriteFile(path, [cert](FILE* f) { return PEM_write_X509(f, cert); });
}

void WritePem(const std::filesystem::path& path, EVP_PKEY* key) {
  WriteFile(path, [key](FILE* f) {
    return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

void WritePem(const std::filesystem::path& path, X509_CRL* crl) {
  WriteFile(path, [crl](FILE* f) { return PEM_write_X509_CRL(f, crl); });
}

}  // namespace socmesh::testing
