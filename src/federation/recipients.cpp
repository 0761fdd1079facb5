#include "federation/recipients.hpp"

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <optional>

#include "crypto/x509.hpp"
#include "pki/directory.hpp"

namespace socmesh::federation {
namespace {

// A negative value when `a` is before `b` (ASN1_TIME_compare's contract).
int CompareNotBefore(X509* a, X509* b) {
  return ASN1_TIME_compare(X509_get0_notBefore(a), X509_get0_notBefore(b));
}

}  // namespace

bool IsEnvelopeRecipient(X509* certificate, model::Timestamp now) {
  if (certificate == nullptr) return false;
  const uint32_t eku = X509_get_extended_key_usage(certificate);
  if ((eku & XKU_SMIME) == 0) return false;
  if ((X509_get_extension_flags(certificate) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(certificate) & KU_KEY_AGREEMENT) == 0) {
    return false;
  }
  time_t t = static_cast<time_t>(now.micros / 1'000'000);
  return X509_cmp_time(X509_get0_notBefore(certificate), &t) < 0 &&
         X509_cmp_time(X509_get0_notAfter(certificate), &t) > 0;
}

Result<RecipientCertificates> LoadRecipients(const std::filesystem::path& directory,
                                             const std::filesystem::path& ca_bundle,
                                             model::Timestamp now) {
  auto signed_directory = crypto::ReadFileBytes(directory, size_t{128} << 20);
  if (!signed_directory) return std::unexpected(signed_directory.error());
  auto anchors = crypto::LoadCertificates(ca_bundle);
  if (!anchors) return std::unexpected(anchors.error());
  // tls.ca may hold more than the root: any self-issued certificate of it may be the one that
  // issued the directory signer; VerifyDirectory insists on that signer being issued by it.
  std::optional<Error> first_error;
  std::optional<pki::ParsedDirectory> parsed;
  for (const auto& anchor : *anchors) {
    if (X509_check_issued(anchor.get(), anchor.get()) != X509_V_OK) continue;
    auto verified = pki::VerifyDirectory(*signed_directory, crypto::CertificatePem(anchor.get()));
    if (verified) {
      parsed = std::move(*verified);
      break;
    }
    if (!first_error) first_error = verified.error();
  }
  crypto::OpenSslErrors();  // X509_check_issued leaves errors for the non-roots
  if (!parsed) {
    Error e = first_error.value_or(
        Error{ErrorCode::kInvalidArgument, "no root certificate in " + ca_bundle.string()});
    return std::unexpected(e.WithContext(directory.string()));
  }
  RecipientCertificates out;
  for (const auto& organisation : parsed->directory.organisations) {
    for (const auto& pem : organisation.certificates_pem) {
      auto cert = crypto::ParseCertificatePem(pem, organisation.name);
      if (!cert || !IsEnvelopeRecipient(cert->get(), now)) continue;
      auto& slot = out[organisation.name];
      if (slot && CompareNotBefore(slot.get(), cert->get()) >= 0) continue;
      slot = std::shared_ptr<X509>(cert->release(), X509_free);
    }
  }
  return out;
}

}  // namespace socmesh::federation
