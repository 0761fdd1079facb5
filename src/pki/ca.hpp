// Certificate authorities of the network (B10, E1, E2): one root CA, one intermediate CA per
// country, each kept in its own directory on disk:
//
//   ca.conf        kind, country, key location (file path or PKCS#11 URI; never a PIN)
//   ca.pem         this CA's certificate;   chain.pem: it and its issuers up to the root
//   ca.key         the CA key when it is a file (mode 0600)
//   serial         next serial number (hex); crlnumber: next CRL number
//   index.tsv      every issued certificate: status, serial, expiry, revocation, profile, subject
//   certs/<SERIAL>.pem, crl.pem (the published CRL)
//
// Every file is replaced atomically (crypto::WriteFileAtomic) and every operation holds an
// exclusive lock on `.lock`, so concurrent commands and crashes leave a consistent directory; the
// serial counter is advanced before a certificate is written, so a crash can skip a serial number
// but never issue one twice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "crypto/key.hpp"
#include "crypto/x509.hpp"
#include "pki/csr.hpp"

namespace socmesh::pki {

enum class CaKind { kRoot, kCountry };

// Validity of an issued certificate. Explicit times (seconds since the epoch) override `days`;
// they exist so tests and migrations can issue certificates valid in the past.
struct Validity {
  int days = 397;
  std::optional<int64_t> not_before;
  std::optional<int64_t> not_after;
};

struct RootParams {
  std::string common_name = "socmesh root CA";
  std::string organisation;  // the network operator (O=), optional
  int days = 3650;
  // Where the root key goes: a file path (default <dir>/ca.key) or a PKCS#11 URI.
  std::string key_location;
  crypto::KeyOptions key_options;
  // Key of the directory signer the root issues at creation (default <dir>/directory.key).
  std::string directory_key_location;
  crypto::KeyOptions directory_key_options;
};

struct CountryParams {
  std::string country;       // ISO 3166-1 alpha-2
  std::string common_name;   // default "socmesh <country> CA"
  std::string organisation;  // default: the root's O=
  int days = 1825;
  std::string key_location;  // default <dir>/ca.key
  crypto::KeyOptions key_options;
};

// RFC 5280 5.3.1 reason codes by name: unspecified, keyCompromise, cACompromise,
// affiliationChanged, superseded, cessationOfOperation, certificateHold.
Result<int> ParseRevocationReason(std::string_view name);

struct IssuedCertificate {
  std::string serial;  // hex
  std::string pem;
};

struct IndexEntry {
  bool revoked = false;
  std::string serial;  // hex, upper case
  int64_t not_after = 0;
  int64_t revoked_at = 0;
  int reason = 0;
  std::string profile;
  std::string subject;
};

// The key and certificate that sign the organisation directory (issued by the root at creation).
struct DirectorySignerKey {
  crypto::Key key;
  std::string certificate_pem;
};

class CertificateAuthority {
 public:
  // Creates a root CA in `dir` (created if missing; kConflict if it already holds a CA): a P-256
  // key, a self-signed certificate (CA:true, keyCertSign+cRLSign, SKI/AKI), an empty CRL and a
  // directory-signer certificate.
  static Result<CertificateAuthority> CreateRoot(const std::filesystem::path& dir,
                                                 const RootParams& params);
  // Creates the country CA of `params.country` in `dir`, issued by `root` (pathlen:0, name
  // constraint: permitted directory names under C=<country>).
  static Result<CertificateAuthority> CreateCountry(const std::filesystem::path& dir,
                                                    CertificateAuthority& root,
                                                    const CountryParams& params);
  // Opens an existing CA directory and loads its key (`key_options` carries the PIN).
  static Result<CertificateAuthority> Open(const std::filesystem::path& dir,
                                           const crypto::KeyOptions& key_options);

  // Loads the directory signer of the root CA in `dir` without loading the root key (which may be
  // offline). kNotFound for a country CA directory.
  static Result<DirectorySignerKey> OpenDirectorySigner(const std::filesystem::path& dir,
                                                        const crypto::KeyOptions& key_options);

  CertificateAuthority(CertificateAuthority&&) noexcept = default;
  CertificateAuthority& operator=(CertificateAuthority&&) noexcept = default;

  // Signs a CSR (PEM). Refuses (kInvalidArgument) a CSR whose signature does not verify, whose
  // subject lacks C/O/CN, whose country differs from a country CA's ("wrong country"), or a node or
  // user CSR presented to the root (the root issues CAs only). SANs of the CSR (DNS, IP, email)
  // are copied; nothing else is.
  Result<IssuedCertificate> Sign(std::string_view csr_pem, Profile profile,
                                 const Validity& validity);
  // Issues a new certificate for the subject, SANs and profile of `old_pem` (which this CA
  // issued): with the same public key, or with the key of `new_csr_pem` when given (its subject
  // must be the same). The old certificate is not revoked (use Revoke with "superseded").
  Result<IssuedCertificate> Renew(std::string_view old_pem,
                                  const std::optional<std::string>& new_csr_pem,
                                  const Validity& validity);
  // Marks a certificate issued by this CA as revoked and republishes crl.pem.
  // kNotFound: no such serial here; kConflict: already revoked.
  Result<void> Revoke(std::string_view serial_hex, int reason);
  // Writes a fresh CRL (nextUpdate = now + days) to crl.pem and returns it as PEM.
  Result<std::string> PublishCrl(int days = 7);

  // The CA's own directory-signer certificate (roots only; kNotFound otherwise).
  Result<IssuedCertificate> DirectorySigner() const;
  Result<std::vector<IndexEntry>> Index() const;

  CaKind kind() const { return kind_; }
  const std::string& country() const { return country_; }
  const std::filesystem::path& dir() const { return dir_; }
  X509* certificate() const { return cert_.get(); }
  std::string CertificatePem() const;
  const crypto::Key& key() const { return key_; }

 private:
  CertificateAuthority(std::filesystem::path dir, CaKind kind, std::string country,
                       crypto::CertPtr cert, crypto::Key key)
      : dir_(std::move(dir)),
        kind_(kind),
        country_(std::move(country)),
        cert_(std::move(cert)),
        key_(std::move(key)) {}

  std::filesystem::path dir_;
  CaKind kind_;
  std::string country_;
  crypto::CertPtr cert_;
  crypto::Key key_;
};

}  // namespace socmesh::pki
