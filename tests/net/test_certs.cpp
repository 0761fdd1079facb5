#include "net/test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace socmesh::testing {

namespace {

EVP_PKEY* NewP256() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void WritePem(const std::string& path, X509* cert, X509* extra, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  if (cert != nullptr) PEM_write_X509(f, cert);
  if (extra != nullptr) PEM_write_X509(f, extra);
  if (key != nullptr) PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

}  // namespace

TestCa::TestCa(std::string dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)), ca_file_(dir_ + "/" + name_ + "-ca.pem") {
  key_ = NewP256();
  cert_ = X509_new();
  X509_set_version(cert_, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert_), -86400);
  X509_gmtime_adj(X509_getm_notAfter(cert_), 86400L * 365);
  X509_NAME* n = X509_get_subject_name(cert_);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name_.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert_, n);
  X509_set_pubkey(cert_, key_);
  AddExt(cert_, cert_, NID_basic_constraints, "critical,CA:TRUE");
  AddExt(cert_, cert_, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExt(cert_, cert_, NID_subject_key_identifier, "hash");
  X509_sign(cert_, key_, EVP_sha256());
  WritePem(ca_file_, cert_, nullptr, nullptr);
}

TestCa::~TestCa() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

Issued TestCa::Issue(const std::string& stem, const std::string& org, const std::string& country,
                     const std::string& cn, long not_before_days, long not_after_days) {
  EVP_PKEY* key = NewP256();
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  const long serial = next_serial_++;
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), not_before_days * 86400L);
  X509_gmtime_adj(X509_getm_notAfter(cert), not_after_days * 86400L);
  X509_NAME* n = X509_get_subject_name(cert);
  auto add = [n](const char* field, const std::string& v) {
    X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0);
  };
  add("C", country);
  add("O", org);
  add("CN", cn);
  X509_set_issuer_name(cert, X509_get_subject_name(cert_));
  X509_set_pubkey(cert, key);
  AddExt(cert, cert_, NID_basic_constraints, "critical,CA:FALSE");
  AddExt(cert, cert_, NID_key_usage, "critical,digitalSignature");
  AddExt(cert, cert_, NID_ext_key_usage, "serverAuth,clientAuth");
  AddExt(cert, cert_, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost");
  AddExt(cert, cert_, NID_authority_key_identifier, "keyid");
  X509_sign(cert, key_, EVP_sha256());
  Issued out;
  out.cert_file = dir_ + "/" + stem + ".pem";
  out.key_file = dir_ + "/" + stem + "-key.pem";
  out.serial = serial;
  WritePem(out.cert_file, cert, nullptr, nullptr);
  WritePem(out.key_file, nullptr, nullptr, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

std::string TestCa::Crl(const std::vector<long>& serials) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(cert_));
  ASN1_TIME* now = X509_gmtime_adj(nullptr, -60);
  ASN1_TIME* next = X509_gmtime_adj(nullptr, 86400L * 7);
  X509_CRL_set1_lastUpdate(crl, now);
  X509_CRL_set1_nextUpdate(crl, next);
  for (long s : serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* serial = ASN1_INTEGER_new();
    ASN1_INTEGER_set(serial, s);
    X509_REVOKED_set_serialNumber(r, serial);
    X509_REVOKED_set_revocationDate(r, now);
    X509_CRL_add0_revoked(crl, r);
    ASN1_INTEGER_free(serial);
  }
  X509_CRL_sort(crl);
  X509_CRL_sign(crl, key_, EVP_sha256());
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  const std::string path = dir_ + "/" + name_ + "-crl.pem";
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509_CRL(f, crl);
  std::fclose(f);
  X509_CRL_free(crl);
  return path;
}

}  // namespace socmesh::testing
