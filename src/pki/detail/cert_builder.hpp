// Building and signing X.509 certificates and CRLs with OpenSSL (RFC 5280 profiles of pki/).
#pragma once

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "crypto/x509.hpp"

namespace socmesh::pki::detail {

enum class CertProfile { kRootCa, kCountryCa, kNode, kUser, kDirectorySigner };

struct CertSpec {
  const X509_NAME* subject = nullptr;
  EVP_PKEY* public_key = nullptr;  // the subject's key (for a root: its own key)
  X509* issuer = nullptr;          // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;  // signs (a file or token key)
  std::string serial_hex;
  int64_t not_before = 0;
  int64_t not_after = 0;
  CertProfile profile = CertProfile::kNode;
  std::string country_constraint;                // country CAs: permitted subtree C=<this>
  const STACK_OF(GENERAL_NAME) * san = nullptr;  // copied when set (DNS, IP, email only)
};

// Builds and signs (ECDSA-SHA256) a v3 certificate. Errors name the step that failed.
Result<crypto::CertPtr> BuildCertificate(const CertSpec& spec);

struct CrlEntry {
  std::string serial_hex;
  int64_t revoked_at = 0;
  int reason = 0;  // CRLReason (RFC 5280 5.3.1)
};

// Builds and signs a v2 CRL with CRL number and authority key identifier.
Result<crypto::CrlPtr> BuildCrl(X509* issuer, EVP_PKEY* issuer_key,
                                const std::vector<CrlEntry>& entries, uint64_t crl_number,
                                int64_t this_update, int64_t next_update);

// The SAN entries of a CSR that a CA copies (DNS, IP, email), or nullptr when it has none.
// The caller frees the result with GENERAL_NAMES_free.
STACK_OF(GENERAL_NAME) * CsrSubjectAltNames(X509_REQ* csr);
// The same from a certificate.
STACK_OF(GENERAL_NAME) * CertSubjectAltNames(X509* cert);

}  // namespace socmesh::pki::detail
