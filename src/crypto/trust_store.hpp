// The certificates a verifier trusts: the network's root and intermediate CA certificates against
// which origin signatures, receipts and envelope routing signatures are checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>

#include "core/error.hpp"
#include "crypto/openssl_types.hpp"

namespace socmesh::crypto {

// A set of trusted CA certificates (an OpenSSL X509_STORE). Move-only; immutable after set-up, so
// one store may be shared by verifiers on several threads.
class TrustStore {
 public:
  // Reads every certificate of a PEM file (a CA bundle). Errors: kIo (cannot read), kParse (no
  // certificate, or a malformed PEM block; the message names the file).
  static Result<TrustStore> FromPemFile(const std::filesystem::path& path);
  // Trusts the given certificates (up-referenced; the caller keeps its own references).
  static Result<TrustStore> FromCertificates(std::span<X509* const> certificates);

  TrustStore(TrustStore&&) noexcept;
  TrustStore& operator=(TrustStore&&) noexcept;
  ~TrustStore();

  // Verify chains as of this instant (seconds since the epoch) instead of now: lets a third party
  // check an old receipt whose certificates have since expired. nullopt = the current time.
  void set_verification_time(std::optional<int64_t> unix_seconds) { at_time_ = unix_seconds; }
  std::optional<int64_t> verification_time() const { return at_time_; }

  // The underlying store, for crypto/ code that hands it to OpenSSL's verifiers.
  X509_STORE* native() const { return store_.get(); }

 private:
  struct StoreFree {
    void operator()(X509_STORE* store) const;
  };
  explicit TrustStore(X509_STORE* store) : store_(store) {}
  std::unique_ptr<X509_STORE, StoreFree> store_;
  std::optional<int64_t> at_time_;
};

}  // namespace socmesh::crypto
