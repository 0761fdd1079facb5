// Checking a certificate chain against the network's root with revocation (B10, E2): the answer
// says precisely why a certificate is refused, because peers and operators act differently on
// "expired" (renew), "revoked" (drop the peer) and "wrong country" (misissuance: alert).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace socmesh::pki {

enum class ChainProblem {
  kNone,          // valid
  kExpired,       // a certificate of the chain is past notAfter
  kNotYetValid,   // a certificate of the chain is before notBefore
  kRevoked,       // listed in its issuer's CRL
  kWrongCa,       // does not chain to the given root (unknown issuer, other network, self-signed)
  kWrongCountry,  // subject country differs from the issuing country CA's (or the expected one)
  kBadSignature,  // a signature in the chain does not verify (tampered)
  kCrlMissing,    // no CRL from an issuer of the chain (CRL checks are never skipped)
  kCrlExpired,    // a CRL is past nextUpdate
  kWrongPurpose,  // the certificate may not be used for the requested purpose
  kInvalid,       // anything else OpenSSL refuses (malformed extension, path length, …)
};

// "expired", "revoked", "wrong-ca", "wrong-country", … (stable, for output and tests).
std::string_view ChainProblemName(ChainProblem problem);

enum class Purpose { kAny, kTlsServer, kTlsClient, kEmail };

struct VerifyInput {
  std::string certificate_pem;                  // the end-entity (or CA) certificate to check
  std::vector<std::string> intermediates_pem;   // untrusted chain: country CA certificates
  std::string root_pem;                         // the only trust anchor
  std::vector<std::string> crls_pem;            // one CRL per CA of the chain (root's included)
  std::optional<std::string> expected_country;  // the country the peer claims to be from
  std::optional<int64_t> at_time;               // verify as of this time (seconds since epoch)
  Purpose purpose = Purpose::kAny;
};

struct VerifyResult {
  ChainProblem problem = ChainProblem::kNone;
  std::string message;  // human-readable, names the certificate (subject) and depth
  int depth = 0;        // 0 = the certificate itself, 1 = its issuer, …
  std::string subject;  // of the checked certificate
  bool ok() const { return problem == ChainProblem::kNone; }
};

// Verifies with OpenSSL's X509_STORE, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL and
// X509_V_FLAG_X509_STRICT, then checks the country rule. Errors (kParse) only for inputs that are
// not PEM certificates / CRLs; every refusal of a well-formed chain is a VerifyResult.
Result<VerifyResult> VerifyChain(const VerifyInput& input);

}  // namespace socmesh::pki
