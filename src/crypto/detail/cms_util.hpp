// Internal to crypto/: RAII handles for OpenSSL objects and the CMS operations that origin
// signatures, receipts and envelopes share. Includes OpenSSL, so never included by public headers.
#pragma once

#include <openssl/cms.h>
#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/signer.hpp"
#include "crypto/trust_store.hpp"

namespace socmesh::crypto::detail {

template <auto kFree>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, OpenSslDeleter<CMS_ContentInfo_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
void FreeX509Stack(STACK_OF(X509) * stack);
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OpenSslDeleter<FreeX509Stack>>;

// Pops every queued OpenSSL error into one "; "-joined string of reason texts (empty when none),
// so that one failure's errors never leak into the message of the next.
std::string TakeOpenSslErrors();
// Fail(code, what + ": " + queued OpenSSL errors).
std::unexpected<Error> FailWithOpenSsl(ErrorCode code, std::string what);

std::array<uint8_t, 32> Sha256(std::string_view data);
std::string Base64Encode(std::string_view bytes);
// Standard alphabet with padding, no whitespace. kParse naming `what` for anything else.
Result<std::string> Base64Decode(std::string_view text, std::string_view what);

// The subject's single O= attribute; kVerification when it has none or several (an ambiguous
// organisation must never match a claimed origin).
Result<std::string> SubjectOrganization(X509* cert, std::string_view what);

// CMS SignedData by `signer` over `content`, SHA-256, signer certificate and intermediates
// included, binary (no MIME canonicalisation), DER encoded. `detached`: the content is not
// embedded (origin batch heads); otherwise it is (receipts).
Result<std::string> CmsSign(const Signer& signer, std::string_view content, bool detached);

struct CmsVerified {
  X509Ptr signer;       // the verified signer certificate
  std::string content;  // the signed content (a copy of the detached content when given)
};

// Verifies DER SignedData: exactly one signer, its signature over `detached_content` (or over the
// embedded content when nullopt), then the signer certificate's chain to `trust` with the S/MIME
// signing purpose, as `openssl cms -verify` does. `what` names the input in messages.
// Errors: kParse (not DER CMS SignedData), kVerification ("signature does not verify",
// "signer certificate not trusted: <reason>").
Result<CmsVerified> CmsVerify(std::string_view der,
                              std::optional<std::string_view> detached_content,
                              const TrustStore& trust, std::string_view what);

// Parses DER CMS of any content type; kParse naming `what` otherwise.
Result<CmsPtr> CmsFromDer(std::string_view der, std::string_view what);
Result<std::string> CmsToDer(CMS_ContentInfo* cms, std::string_view what);

}  // namespace socmesh::crypto::detail
