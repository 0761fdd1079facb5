// A throwaway P-256 identity for benchmarks that sign or verify CMS: a key and a certificate
// O=`org` issued by `ca` (self-signed CA when null). Leaked on purpose: a benchmark process ends
// right after its run. OpenSSL only, so benchmarks need no test framework.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace socmesh::bench {

struct Identity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

inline Identity MakeIdentity(const char* org, const Identity* ca) {
  Identity id{EVP_EC_gen("P-256"), X509_new()};
  static long serial = 1;
  X509_set_version(id.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(id.cert), serial++);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(id.cert), "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(org), -1, -1, 0);
  X509* issuer = ca != nullptr ? ca->cert : id.cert;
  X509_set_issuer_name(id.cert, X509_get_subject_name(issuer));
  X509_gmtime_adj(X509_getm_notBefore(id.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(id.cert), 86400);
  X509_set_pubkey(id.cert, id.key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, id.cert, nullptr, nullptr, 0);
  const char* constraints = ca == nullptr ? "critical,CA:TRUE" : "critical,CA:FALSE";
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, constraints);
  X509_add_ext(id.cert, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(id.cert, ca != nullptr ? ca->key : id.key, EVP_sha256());
  return id;
}

}  // namespace socmesh::bench
