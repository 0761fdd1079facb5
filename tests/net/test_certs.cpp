#include "net/test_certs.hpp"

#include <openssl/x509v3.h>

#include <memory>

namespace socmesh::testing {

TestCa::TestCa(std::string dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)), ca_file_(dir_ + "/" + name_ + "-ca.pem") {
  ca_ = IssueCertificate({.subject = {{"CN", name_}},
                          .serial = 1,
                          .not_before_days = -1,
                          .not_after_days = 365,
                          .extensions = {{NID_basic_constraints, "critical,CA:TRUE"},
                                         {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                         {NID_subject_key_identifier, "hash"}}},
                         nullptr);
  WritePem(ca_file_, ca_.cert.get());
}

Issued TestCa::Issue(const std::string& stem, const std::string& org, const std::string& country,
                     const std::string& cn, long not_before_days, long not_after_days) {
  const long serial = next_serial_++;
  const Identity leaf =
      IssueCertificate({.subject = {{"C", country}, {"O", org}, {"CN", cn}},
                        .serial = serial,
                        .not_before_days = not_before_days,
                        .not_after_days = not_after_days,
                        .extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                                       {NID_key_usage, "critical,digitalSignature"},
                                       {NID_ext_key_usage, "serverAuth,clientAuth"},
                                       {NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost"},
                                       {NID_authority_key_identifier, "keyid"}}},
                       &ca_);
  Issued out;
  out.cert_file = dir_ + "/" + stem + ".pem";
  out.key_file = dir_ + "/" + stem + "-key.pem";
  out.serial = serial;
  WritePem(out.cert_file, leaf.cert.get());
  WritePem(out.key_file, leaf.key.get());
  return out;
}

std::string TestCa::Crl(const std::vector<long>& serials) {
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), X509_CRL_free);
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_.cert.get()));
  ASN1_TIME* now = X509_gmtime_adj(nullptr, -60);
  ASN1_TIME* next = X509_gmtime_adj(nullptr, 86400L * 7);
  X509_CRL_set1_lastUpdate(crl.get(), now);
  X509_CRL_set1_nextUpdate(crl.get(), next);
  for (long s : serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* serial = ASN1_INTEGER_new();
    ASN1_INTEGER_set(serial, s);
    X509_REVOKED_set_serialNumber(r, serial);
    X509_REVOKED_set_revocationDate(r, now);
    X509_CRL_add0_revoked(crl.get(), r);
    ASN1_INTEGER_free(serial);
  }
  X509_CRL_sort(crl.get());
  X509_CRL_sign(crl.get(), ca_.key.get(), EVP_sha256());
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  const std::string path = dir_ + "/" + name_ + "-crl.pem";
  WritePem(path, crl.get());
  return path;
}

}  // namespace socmesh::testing
