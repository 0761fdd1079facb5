#include "crypto/trust_store.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/detail/cms_util.hpp"

namespace socmesh::crypto {

void TrustStore::StoreFree::operator()(X509_STORE* store) const { X509_STORE_free(store); }

TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;
TrustStore::~TrustStore() = default;

Result<TrustStore> TrustStore::FromCertificates(std::span<X509* const> certificates) {
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) return Fail(ErrorCode::kInternal, "trust store: out of memory");
  TrustStore trust(store);
  for (X509* cert : certificates) {
    if (cert == nullptr || X509_STORE_add_cert(store, cert) != 1) {
      return detail::FailWithOpenSsl(ErrorCode::kInvalidArgument, "trust store: cannot add");
    }
  }
  return trust;
}

Result<TrustStore> TrustStore::FromPemFile(const std::filesystem::path& path) {
  detail::BioPtr in(BIO_new_file(path.c_str(), "rb"));
  if (!in) {
    detail::TakeOpenSslErrors();
    return Fail(ErrorCode::kIo, path.string() + ": cannot read");
  }
  std::vector<detail::X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  // PEM_read_bio_X509 ends with "no start line" at the end of the file: expected, not an error.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end = ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  detail::TakeOpenSslErrors();
  if (!clean_end && last != 0) {
    return Fail(ErrorCode::kParse,
                path.string() + ": malformed PEM certificate #" + std::to_string(certs.size() + 1));
  }
  if (certs.empty()) return Fail(ErrorCode::kParse, path.string() + ": no certificate");
  std::vector<X509*> raw;
  for (auto& c : certs) raw.push_back(c.get());
  return FromCertificates(raw);
}

}  // namespace socmesh::crypto
