#include "pki/verify.hpp"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

#include "crypto/x509.hpp"

namespace socmesh::pki {

namespace {

struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // certificates owned elsewhere
};

ChainProblem Classify(int err) {
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return ChainProblem::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return ChainProblem::kNotYetValid;
    case X509_V_ERR_CERT_REVOKED:
      return ChainProblem::kRevoked;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_AKID_SKID_MISMATCH:
    case X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH:
    case X509_V_ERR_INVALID_CA:
      return ChainProblem::kWrongCa;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
      return ChainProblem::kBadSignature;
    // A country CA is constrained to subjects under C=<its country> (pki/ca.hpp).
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
      return ChainProblem::kWrongCountry;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
      return ChainProblem::kCrlMissing;
    case X509_V_ERR_CRL_HAS_EXPIRED:
      return ChainProblem::kCrlExpired;
    case X509_V_ERR_INVALID_PURPOSE:
      return ChainProblem::kWrongPurpose;
    default:
      return ChainProblem::kInvalid;
  }
}

int PurposeId(Purpose p) {
  switch (p) {
    case Purpose::kTlsServer:
      return X509_PURPOSE_SSL_SERVER;
    case Purpose::kTlsClient:
      return X509_PURPOSE_SSL_CLIENT;
    case Purpose::kEmail:
      return X509_PURPOSE_SMIME_SIGN;
    case Purpose::kAny:
      return 0;
  }
  return 0;
}

}  // namespace

std::string_view ChainProblemName(ChainProblem problem) {
  switch (problem) {
    case ChainProblem::kNone:
      return "ok";
    case ChainProblem::kExpired:
      return "expired";
    case ChainProblem::kNotYetValid:
      return "not-yet-valid";
    case ChainProblem::kRevoked:
      return "revoked";
    case ChainProblem::kWrongCa:
      return "wrong-ca";
    case ChainProblem::kWrongCountry:
      return "wrong-country";
    case ChainProblem::kBadSignature:
      return "bad-signature";
    case ChainProblem::kCrlMissing:
      return "crl-missing";
    case ChainProblem::kCrlExpired:
      return "crl-expired";
    case ChainProblem::kWrongPurpose:
      return "wrong-purpose";
    case ChainProblem::kInvalid:
      return "invalid";
  }
  return "invalid";
}

Result<VerifyResult> VerifyChain(const VerifyInput& input) {
  auto leaf = crypto::ParseCertificatePem(input.certificate_pem, "certificate");
  if (!leaf) return std::unexpected(leaf.error());
  auto root = crypto::ParseCertificatePem(input.root_pem, "root certificate");
  if (!root) return std::unexpected(root.error());
  std::vector<crypto::CertPtr> intermediates;
  for (const auto& pem : input.intermediates_pem) {
    auto certs = crypto::ParseCertificatesPem(pem, "chain");
    if (!certs) return std::unexpected(certs.error());
    for (auto& c : *certs) intermediates.push_back(std::move(c));
  }
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root->get());
  for (const auto& pem : input.crls_pem) {
    auto crl = crypto::ParseCrlPem(pem, "CRL");
    if (!crl) return std::unexpected(crl.error());
    X509_STORE_add_crl(store.get(), crl->get());
  }
  std::unique_ptr<STACK_OF(X509), StackFree> chain(sk_X509_new_null());
  for (auto& c : intermediates) sk_X509_push(chain.get(), c.get());

  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf->get(), chain.get()) != 1) {
    return Fail(ErrorCode::kInternal, "verifier set-up: " + crypto::OpenSslErrors());
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Revocation is checked for every certificate of the chain, never skipped (E2).
  X509_VERIFY_PARAM_set_flags(
      param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_X509_STRICT);
  if (input.at_time) X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(*input.at_time));
  if (int id = PurposeId(input.purpose); id != 0) X509_STORE_CTX_set_purpose(ctx.get(), id);

  VerifyResult result;
  result.subject = crypto::SubjectText(leaf->get());
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    result.problem = Classify(err);
    result.depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* at = X509_STORE_CTX_get_current_cert(ctx.get());
    result.message = std::string(ChainProblemName(result.problem)) + ": " +
                     X509_verify_cert_error_string(err) + " (depth " +
                     std::to_string(result.depth) + ": " +
                     (at != nullptr ? crypto::SubjectText(at) : result.subject) + ")";
    crypto::OpenSslErrors();
    return result;
  }
  // The chain is valid; now the network's own rule: an end entity belongs to the country of the
  // CA that issued it, and to the country its peer claims (a name constraint on the country CA
  // enforces the first for pki/-made CAs; this also covers CAs made elsewhere).
  STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(ctx.get());
  const std::string country = crypto::SubjectCountry(leaf->get());
  if (sk_X509_num(verified) >= 3) {
    X509* issuer = sk_X509_value(verified, 1);
    const std::string issuer_country = crypto::SubjectCountry(issuer);
    if (!issuer_country.empty() && issuer_country != country) {
      result.problem = ChainProblem::kWrongCountry;
      result.depth = 0;
      result.message = "wrong-country: certificate is for " +
                       (country.empty() ? std::string("no country") : country) +
                       " but its CA issues for " + issuer_country;
      return result;
    }
  }
  if (input.expected_country && *input.expected_country != country) {
    result.problem = ChainProblem::kWrongCountry;
    result.message = "wrong-country: certificate is for " +
                     (country.empty() ? std::string("no country") : country) + ", expected " +
                     *input.expected_country;
    return result;
  }
  result.message = "ok: " + result.subject;
  return result;
}

}  // namespace socmesh::pki
