// X.509 certificates, requests and CRLs as owned handles, PEM in and out, and the few name fields
// the PKI reasons about. OpenSSL types are forward-declared only; callers that build or inspect
// certificates in depth (pki/) include OpenSSL themselves.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/openssl_types.hpp"

struct X509_req_st;  // X509_REQ
struct X509_crl_st;  // X509_CRL

namespace socmesh::crypto {

struct X509Free {
  void operator()(X509* p) const;
};
struct X509ReqFree {
  void operator()(X509_req_st* p) const;
};
struct X509CrlFree {
  void operator()(X509_crl_st* p) const;
};
using CertPtr = std::unique_ptr<X509, X509Free>;
using CsrPtr = std::unique_ptr<X509_req_st, X509ReqFree>;
using CrlPtr = std::unique_ptr<X509_crl_st, X509CrlFree>;

// PEM parsing; `source` names the input in errors (a file name). kParse when nothing parses.
Result<CertPtr> ParseCertificatePem(std::string_view pem, std::string_view source);
// Every certificate in a PEM bundle, in order; kParse if there is none or one is malformed.
Result<std::vector<CertPtr>> ParseCertificatesPem(std::string_view pem, std::string_view source);
Result<CsrPtr> ParseCsrPem(std::string_view pem, std::string_view source);
Result<CrlPtr> ParseCrlPem(std::string_view pem, std::string_view source);

// The same, reading a file first (kNotFound / kIo for file problems).
Result<CertPtr> LoadCertificate(const std::filesystem::path& path);
Result<std::vector<CertPtr>> LoadCertificates(const std::filesystem::path& path);
Result<CsrPtr> LoadCsr(const std::filesystem::path& path);
Result<CrlPtr> LoadCrl(const std::filesystem::path& path);

std::string CertificatePem(X509* cert);
std::string CsrPem(X509_req_st* csr);
std::string CrlPem(X509_crl_st* crl);

// "C=FR, O=ACME SOC, CN=node1" (RFC 2253 order reversed, as `openssl x509 -subject` prints).
std::string SubjectText(X509* cert);
// The subject's countryName (C), or empty.
std::string SubjectCountry(X509* cert);
// The serial number as upper-case hex without leading zeros ("1A").
std::string SerialHex(X509* cert);

// Drains OpenSSL's thread-local error queue into one line ("" when empty).
std::string OpenSslErrors();

// Reads a whole file (kNotFound when missing, kTooLarge above max_bytes, kIo otherwise).
Result<std::string> ReadFileBytes(const std::filesystem::path& path,
                                  size_t max_bytes = size_t{64} << 20);
// Replaces `path` with `data` atomically (temporary file in the same directory, fsync, rename,
// fsync of the directory): readers and crashes see the old or the new content, never a mix.
Result<void> WriteFileAtomic(const std::filesystem::path& path, std::string_view data,
                             unsigned mode = 0644);

}  // namespace socmesh::crypto
