#include "pki/detail/cert_builder.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <memory>

namespace socmesh::pki::detail {

namespace {

Error Failed(const std::string& step) {
  return Error{ErrorCode::kInternal, step + ": " + crypto::OpenSslErrors()};
}

Result<void> AddConf(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (ext == nullptr) return std::unexpected(Failed(std::string("extension ") + OBJ_nid2sn(nid)));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return std::unexpected(Failed(std::string("adding ") + OBJ_nid2sn(nid)));
  return {};
}

// permitted;dirName:C=<country> — RFC 5280 4.2.1.10: a subject DN is within the subtree when it
// starts with the RDN C=<country>, which is why pki/ writes subjects C, O, CN in that order.
Result<void> AddCountryConstraint(X509* cert, const std::string& country) {
  NAME_CONSTRAINTS* nc = NAME_CONSTRAINTS_new();
  GENERAL_SUBTREE* subtree = GENERAL_SUBTREE_new();
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_NID(name, NID_countryName, MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(country.c_str()), -1, -1, 0);
  GENERAL_NAME_set0_value(subtree->base, GEN_DIRNAME, name);
  nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
  sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, subtree);
  int ok = X509_add1_ext_i2d(cert, NID_name_constraints, nc, 1, X509V3_ADD_DEFAULT);
  NAME_CONSTRAINTS_free(nc);
  if (ok != 1) return std::unexpected(Failed("name constraints"));
  return {};
}

Result<void> SetSerial(X509* cert, const std::string& hex) {
  BIGNUM* bn = nullptr;
  if (BN_hex2bn(&bn, hex.c_str()) == 0) {
    return Fail(ErrorCode::kInternal, "bad serial '" + hex + "'");
  }
  ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
  BN_free(bn);
  int ok = serial != nullptr && X509_set_serialNumber(cert, serial) == 1;
  ASN1_INTEGER_free(serial);
  if (!ok) return std::unexpected(Failed("serial"));
  return {};
}

STACK_OF(GENERAL_NAME) * FilterNames(STACK_OF(GENERAL_NAME) * names) {
  if (names == nullptr) return nullptr;
  STACK_OF(GENERAL_NAME)* out = sk_GENERAL_NAME_new_null();
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS || n->type == GEN_IPADD || n->type == GEN_EMAIL) {
      sk_GENERAL_NAME_push(out, GENERAL_NAME_dup(n));
    }
  }
  GENERAL_NAMES_free(names);
  if (sk_GENERAL_NAME_num(out) == 0) {
    GENERAL_NAMES_free(out);
    return nullptr;
  }
  return out;
}

Result<void> AddProfileExtensions(X509* cert, X509V3_CTX* ctx, const CertSpec& spec) {
  struct Conf {
    int nid;
    const char* value;
  };
  std::vector<Conf> confs;
  switch (spec.profile) {
    case CertProfile::kRootCa:
      confs = {{NID_basic_constraints, "critical,CA:TRUE"},
               {NID_key_usage, "critical,keyCertSign,cRLSign"}};
      break;
    case CertProfile::kCountryCa:
      // pathlen:0: a country CA issues end-entity certificates only.
      confs = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
               {NID_key_usage, "critical,keyCertSign,cRLSign"}};
      break;
    case CertProfile::kNode:
      // keyAgreement: end-to-end envelopes (B12) wrap content keys for organisations' EC keys.
      confs = {{NID_basic_constraints, "critical,CA:FALSE"},
               {NID_key_usage, "critical,digitalSignature,keyAgreement"},
               {NID_ext_key_usage, "serverAuth,clientAuth"}};
      break;
    case CertProfile::kUser:
      confs = {{NID_basic_constraints, "critical,CA:FALSE"},
               {NID_key_usage, "critical,digitalSignature,keyAgreement"},
               {NID_ext_key_usage, "clientAuth,emailProtection"}};
      break;
    case CertProfile::kDirectorySigner:
      // emailProtection: what `openssl cms -verify` expects of a CMS signer (smimesign purpose).
      confs = {{NID_basic_constraints, "critical,CA:FALSE"},
               {NID_key_usage, "critical,digitalSignature"},
               {NID_ext_key_usage, "emailProtection"}};
      break;
  }
  confs.push_back({NID_subject_key_identifier, "hash"});
  // A self-signed root names itself; issued certificates name their issuer's key.
  confs.push_back({NID_authority_key_identifier, "keyid:always"});
  for (const Conf& c : confs) {
    auto added = AddConf(cert, ctx, c.nid, c.value);
    if (!added) return added;
  }
  if (spec.profile == CertProfile::kCountryCa && !spec.country_constraint.empty()) {
    auto added = AddCountryConstraint(cert, spec.country_constraint);
    if (!added) return added;
  }
  if (spec.san != nullptr && sk_GENERAL_NAME_num(spec.san) > 0) {
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, const_cast<STACK_OF(GENERAL_NAME)*>(spec.san),
                          0, X509V3_ADD_DEFAULT) != 1) {
      return std::unexpected(Failed("subjectAltName"));
    }
  }
  return {};
}

}  // namespace

Result<crypto::CertPtr> BuildCertificate(const CertSpec& spec) {
  crypto::CertPtr cert(X509_new());
  if (!cert) return std::unexpected(Failed("X509_new"));
  X509* c = cert.get();
  if (X509_set_version(c, 2) != 1) return std::unexpected(Failed("version"));
  auto serial = SetSerial(c, spec.serial_hex);
  if (!serial) return std::unexpected(serial.error());
  if (X509_set_subject_name(c, const_cast<X509_NAME*>(spec.subject)) != 1 ||
      X509_set_issuer_name(c, spec.issuer != nullptr ? X509_get_subject_name(spec.issuer)
                                                     : const_cast<X509_NAME*>(spec.subject)) != 1) {
    return std::unexpected(Failed("names"));
  }
  if (ASN1_TIME_set(X509_getm_notBefore(c), static_cast<time_t>(spec.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(c), static_cast<time_t>(spec.not_after)) == nullptr) {
    return std::unexpected(Failed("validity"));
  }
  if (X509_set_pubkey(c, spec.public_key) != 1) return std::unexpected(Failed("public key"));
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, spec.issuer != nullptr ? spec.issuer : c, c, nullptr, nullptr, 0);
  auto ext = AddProfileExtensions(c, &ctx, spec);
  if (!ext) return std::unexpected(ext.error());
  if (X509_sign(c, spec.issuer_key, EVP_sha256()) <= 0) {
    return std::unexpected(Failed("signing the certificate"));
  }
  return cert;
}

Result<crypto::CrlPtr> BuildCrl(X509* issuer, EVP_PKEY* issuer_key,
                                const std::vector<CrlEntry>& entries, uint64_t crl_number,
                                int64_t this_update, int64_t next_update) {
  crypto::CrlPtr crl(X509_CRL_new());
  X509_CRL* c = crl.get();
  if (X509_CRL_set_version(c, 1) != 1 ||
      X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer)) != 1) {
    return std::unexpected(Failed("CRL header"));
  }
  using AsnTime = std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)>;
  AsnTime last(ASN1_TIME_set(nullptr, static_cast<time_t>(this_update)), ASN1_TIME_free);
  AsnTime next(ASN1_TIME_set(nullptr, static_cast<time_t>(next_update)), ASN1_TIME_free);
  if (!last || !next || X509_CRL_set1_lastUpdate(c, last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(c, next.get()) != 1) {
    return std::unexpected(Failed("CRL times"));
  }
  for (const CrlEntry& e : entries) {
    X509_REVOKED* rev = X509_REVOKED_new();
    BIGNUM* bn = nullptr;
    BN_hex2bn(&bn, e.serial_hex.c_str());
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
    BN_free(bn);
    AsnTime when(ASN1_TIME_set(nullptr, static_cast<time_t>(e.revoked_at)), ASN1_TIME_free);
    ASN1_ENUMERATED* reason = ASN1_ENUMERATED_new();
    ASN1_ENUMERATED_set(reason, e.reason);
    bool ok =
        serial != nullptr && X509_REVOKED_set_serialNumber(rev, serial) == 1 &&
        X509_REVOKED_set_revocationDate(rev, when.get()) == 1 &&
        (e.reason == 0 || X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, reason, 0, 0) == 1) &&
        X509_CRL_add0_revoked(c, rev) == 1;
    ASN1_INTEGER_free(serial);
    ASN1_ENUMERATED_free(reason);
    if (!ok) {
      X509_REVOKED_free(rev);
      return std::unexpected(Failed("CRL entry " + e.serial_hex));
    }
  }
  ASN1_INTEGER* number = ASN1_INTEGER_new();
  ASN1_INTEGER_set_uint64(number, crl_number);
  int ok = X509_CRL_add1_ext_i2d(c, NID_crl_number, number, 0, 0);
  ASN1_INTEGER_free(number);
  if (ok != 1) return std::unexpected(Failed("CRL number"));
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, nullptr, nullptr, c, 0);
  X509_EXTENSION* aki =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
  if (aki == nullptr || X509_CRL_add_ext(c, aki, -1) != 1) {
    X509_EXTENSION_free(aki);
    return std::unexpected(Failed("CRL authority key identifier"));
  }
  X509_EXTENSION_free(aki);
  X509_CRL_sort(c);
  if (X509_CRL_sign(c, issuer_key, EVP_sha256()) <= 0) {
    return std::unexpected(Failed("signing the CRL"));
  }
  return crl;
}

STACK_OF(GENERAL_NAME) * CsrSubjectAltNames(X509_REQ* csr) {
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(csr);
  if (exts == nullptr) return nullptr;
  auto* names = static_cast<STACK_OF(GENERAL_NAME)*>(
      X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr));
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  return FilterNames(names);
}

STACK_OF(GENERAL_NAME) * CertSubjectAltNames(X509* cert) {
  auto* names = static_cast<STACK_OF(GENERAL_NAME)*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  return FilterNames(names);
}

}  // namespace socmesh::pki::detail
