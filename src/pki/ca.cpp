#include "pki/ca.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "crypto/pkcs11_uri.hpp"
#include "pki/detail/ca_files.hpp"
#include "pki/detail/cert_builder.hpp"

namespace socmesh::pki {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 7> kReasons = {
    "unspecified", "keyCompromise",        "cACompromise",   "affiliationChanged",
    "superseded",  "cessationOfOperation", "certificateHold"};

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

struct NameFree {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};
using NamePtr = std::unique_ptr<X509_NAME, NameFree>;
struct NamesFree {
  void operator()(STACK_OF(GENERAL_NAME) * n) const { GENERAL_NAMES_free(n); }
};
using NamesPtr = std::unique_ptr<STACK_OF(GENERAL_NAME), NamesFree>;

NamePtr MakeName(const std::string& country, const std::string& organisation,
                 const std::string& common_name) {
  NamePtr name(X509_NAME_new());
  auto add = [&](int nid, const std::string& v) {
    if (v.empty()) return;
    X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0);
  };
  add(NID_countryName, country);
  add(NID_organizationName, organisation);
  add(NID_commonName, common_name);
  return name;
}

std::string NameField(const X509_NAME* name, int nid) {
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  std::string out = n > 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(n)) : "";
  OPENSSL_free(utf8);
  return out;
}

Validity Days(int days) {
  Validity v;
  v.days = days;
  return v;
}

Result<void> PrepareNewDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir / "certs", ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  if (fs::exists(dir / "ca.conf")) {
    return Fail(ErrorCode::kConflict, dir.string() + " already holds a CA");
  }
  return {};
}

std::string DefaultKey(const fs::path& dir, const std::string& given, const char* file) {
  return given.empty() ? (dir / file).string() : given;
}

// A file key is created; a token key is created unless the token already holds it (an operator may
// generate CA keys on an offline HSM beforehand).
Result<crypto::Key> CreateOrLoadKey(const std::string& location, const crypto::KeyOptions& opts) {
  auto made = crypto::Key::Generate(location, opts);
  if (!made && made.error().code == ErrorCode::kConflict && crypto::IsPkcs11Uri(location)) {
    return crypto::Key::Load(location, opts);
  }
  return made;
}

Result<IssuedCertificate> Finish(const fs::path& dir, crypto::CertPtr cert, Profile profile) {
  IssuedCertificate out{crypto::SerialHex(cert.get()), crypto::CertificatePem(cert.get())};
  auto written = crypto::WriteFileAtomic(dir / "certs" / (out.serial + ".pem"), out.pem);
  if (!written) return std::unexpected(written.error());
  auto index = detail::ReadIndex(dir);
  if (!index) return std::unexpected(index.error());
  IndexEntry e;
  e.serial = out.serial;
  const ASN1_TIME* not_after = X509_get0_notAfter(cert.get());
  struct tm tm {};
  ASN1_TIME_to_tm(not_after, &tm);
  e.not_after = static_cast<int64_t>(timegm(&tm));
  e.profile = ProfileName(profile);
  e.subject = crypto::SubjectText(cert.get());
  index->push_back(std::move(e));
  auto saved = detail::WriteIndex(dir, *index);
  if (!saved) return std::unexpected(saved.error());
  return out;
}

}  // namespace

Result<int> ParseRevocationReason(std::string_view name) {
  for (size_t i = 0; i < kReasons.size(); ++i) {
    if (kReasons[i] == name) return static_cast<int>(i);
  }
  return Fail(ErrorCode::kInvalidArgument,
              "unknown revocation reason '" + std::string(name) +
                  "' (unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, "
                  "cessationOfOperation, certificateHold)");
}

// An internal issuing step shared by Sign, Renew and CA creation: takes a serial, builds, stores.
static Result<IssuedCertificate> IssueFrom(const fs::path& dir, X509* issuer, EVP_PKEY* issuer_key,
                                           const X509_NAME* subject, EVP_PKEY* public_key,
                                           detail::CertProfile cert_profile, Profile profile,
                                           const Validity& validity,
                                           const STACK_OF(GENERAL_NAME) * san,
                                           const std::string& constraint = "") {
  auto lock = detail::DirectoryLock::Acquire(dir);
  if (!lock) return std::unexpected(lock.error());
  auto serial = detail::TakeCounter(dir, "serial");
  if (!serial) return std::unexpected(serial.error());
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llX", static_cast<unsigned long long>(*serial));
  detail::CertSpec spec;
  spec.subject = subject;
  spec.public_key = public_key;
  spec.issuer = issuer;
  spec.issuer_key = issuer_key;
  spec.serial_hex = hex;
  // Back-dated by 5 minutes: peers with slightly slow clocks accept a fresh certificate.
  spec.not_before = validity.not_before.value_or(Now() - 300);
  spec.not_after = validity.not_after.value_or(Now() + int64_t{validity.days} * 86400);
  spec.profile = cert_profile;
  spec.san = san;
  spec.country_constraint = constraint;
  if (spec.not_after <= spec.not_before) {
    return Fail(ErrorCode::kInvalidArgument, "validity ends before it starts");
  }
  auto cert = detail::BuildCertificate(spec);
  if (!cert) return std::unexpected(cert.error());
  return Finish(dir, std::move(*cert), profile);
}

Result<CertificateAuthority> CertificateAuthority::CreateRoot(const fs::path& dir,
                                                              const RootParams& params) {
  if (auto ok = PrepareNewDir(dir); !ok) return std::unexpected(ok.error());
  const std::string key_location = DefaultKey(dir, params.key_location, "ca.key");
  auto key = CreateOrLoadKey(key_location, params.key_options);
  if (!key) return std::unexpected(key.error());
  for (const char* counter : {"serial", "crlnumber"}) {
    if (auto ok = crypto::WriteFileAtomic(dir / counter, "1\n"); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (auto ok = detail::WriteIndex(dir, {}); !ok) return std::unexpected(ok.error());

  NamePtr name = MakeName("", params.organisation, params.common_name);
  auto issued = IssueFrom(dir, nullptr, key->pkey(), name.get(), key->pkey(),
                          detail::CertProfile::kRootCa, Profile::kNode, Days(params.days), nullptr);
  if (!issued) return std::unexpected(issued.error());
  // The root's own certificate is not an issued end entity: keep it out of the index.
  if (auto ok = detail::WriteIndex(dir, {}); !ok) return std::unexpected(ok.error());
  if (auto ok = crypto::WriteFileAtomic(dir / "ca.pem", issued->pem); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = crypto::WriteFileAtomic(dir / "chain.pem", issued->pem); !ok) {
    return std::unexpected(ok.error());
  }
  std::error_code ec;
  fs::remove(dir / "certs" / (issued->serial + ".pem"), ec);
  std::map<std::string, std::string> conf = {{"kind", "root"}, {"key", key->location()}};
  if (!params.key_options.module_path.empty()) conf["module"] = params.key_options.module_path;
  auto cert = crypto::ParseCertificatePem(issued->pem, "root certificate");
  if (!cert) return std::unexpected(cert.error());
  CertificateAuthority ca(dir, CaKind::kRoot, "", std::move(*cert), std::move(*key));

  // The directory signer: the root issues it once, so `pki directory sign` does not need the root
  // key (which may be offline) and `openssl cms -verify -CAfile root.pem` accepts its signatures.
  const std::string dir_key_location =
      DefaultKey(dir, params.directory_key_location, "directory.key");
  auto dir_key = CreateOrLoadKey(dir_key_location, params.directory_key_options);
  if (!dir_key) return std::unexpected(dir_key.error().WithContext("directory signer key"));
  NamePtr signer_name = MakeName("", params.organisation, params.common_name + " directory signer");
  auto signer = IssueFrom(dir, ca.cert_.get(), ca.key_.pkey(), signer_name.get(), dir_key->pkey(),
                          detail::CertProfile::kDirectorySigner, Profile::kDirectorySigner,
                          Days(std::min(params.days, 825)), nullptr);
  if (!signer) return std::unexpected(signer.error());
  if (auto ok = crypto::WriteFileAtomic(dir / "directory-signer.pem", signer->pem); !ok) {
    return std::unexpected(ok.error());
  }
  conf["directory_key"] = dir_key->location();
  if (!params.directory_key_options.module_path.empty()) {
    conf["directory_module"] = params.directory_key_options.module_path;
  }
  if (auto ok = ca.PublishCrl(); !ok) return std::unexpected(ok.error());
  // ca.conf last: its presence marks a complete CA directory.
  if (auto ok = detail::WriteConf(dir, conf); !ok) return std::unexpected(ok.error());
  return ca;
}

Result<CertificateAuthority> CertificateAuthority::CreateCountry(const fs::path& dir,
                                                                 CertificateAuthority& root,
                                                                 const CountryParams& params) {
  if (root.kind_ != CaKind::kRoot) {
    return Fail(ErrorCode::kInvalidArgument, root.dir_.string() + " is not a root CA");
  }
  if (auto ok = CheckCountryCode(params.country); !ok) return std::unexpected(ok.error());
  if (auto ok = PrepareNewDir(dir); !ok) return std::unexpected(ok.error());
  const std::string key_location = DefaultKey(dir, params.key_location, "ca.key");
  auto key = CreateOrLoadKey(key_location, params.key_options);
  if (!key) return std::unexpected(key.error());
  for (const char* counter : {"serial", "crlnumber"}) {
    if (auto ok = crypto::WriteFileAtomic(dir / counter, "1\n"); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (auto ok = detail::WriteIndex(dir, {}); !ok) return std::unexpected(ok.error());
  std::string organisation =
      params.organisation.empty()
          ? NameField(X509_get_subject_name(root.cert_.get()), NID_organizationName)
          : params.organisation;
  std::string cn =
      params.common_name.empty() ? "socmesh " + params.country + " CA" : params.common_name;
  NamePtr name = MakeName(params.country, organisation, cn);
  auto issued = IssueFrom(root.dir_, root.cert_.get(), root.key_.pkey(), name.get(), key->pkey(),
                          detail::CertProfile::kCountryCa, Profile::kNode, Days(params.days),
                          nullptr, params.country);
  if (!issued) return std::unexpected(issued.error());
  // The root's index says "country-ca" for what it issued here.
  if (auto index = detail::ReadIndex(root.dir_); index && !index->empty()) {
    index->back().profile = "country-ca";
    (void)detail::WriteIndex(root.dir_, *index);
  }
  if (auto ok = crypto::WriteFileAtomic(dir / "ca.pem", issued->pem); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = crypto::WriteFileAtomic(dir / "chain.pem", issued->pem + root.CertificatePem());
      !ok) {
    return std::unexpected(ok.error());
  }
  auto cert = crypto::ParseCertificatePem(issued->pem, "country CA certificate");
  if (!cert) return std::unexpected(cert.error());
  CertificateAuthority ca(dir, CaKind::kCountry, params.country, std::move(*cert), std::move(*key));
  if (auto ok = ca.PublishCrl(); !ok) return std::unexpected(ok.error());
  std::map<std::string, std::string> conf = {
      {"kind", "country"}, {"country", params.country}, {"key", ca.key_.location()}};
  if (!params.key_options.module_path.empty()) conf["module"] = params.key_options.module_path;
  if (auto ok = detail::WriteConf(dir, conf); !ok) return std::unexpected(ok.error());
  return ca;
}

Result<CertificateAuthority> CertificateAuthority::Open(const fs::path& dir,
                                                        const crypto::KeyOptions& key_options) {
  auto conf = detail::ReadConf(dir);
  if (!conf) return std::unexpected(conf.error());
  const std::string kind = (*conf)["kind"];
  if (kind != "root" && kind != "country") {
    return Fail(ErrorCode::kParse, (dir / "ca.conf").string() + ": unknown kind '" + kind + "'");
  }
  auto cert = crypto::LoadCertificate(dir / "ca.pem");
  if (!cert) return std::unexpected(cert.error());
  crypto::KeyOptions opts = key_options;
  if (opts.module_path.empty()) opts.module_path = (*conf)["module"];
  auto key = crypto::Key::Load((*conf)["key"], opts);
  if (!key) return std::unexpected(key.error().WithContext("CA " + dir.string()));
  if (X509_check_private_key(cert->get(), key->pkey()) != 1) {
    crypto::OpenSslErrors();
    return Fail(ErrorCode::kInvalidArgument,
                "CA " + dir.string() + ": key " + key->location() + " does not match ca.pem");
  }
  return CertificateAuthority(dir, kind == "root" ? CaKind::kRoot : CaKind::kCountry,
                              (*conf)["country"], std::move(*cert), std::move(*key));
}

Result<DirectorySignerKey> CertificateAuthority::OpenDirectorySigner(
    const fs::path& dir, const crypto::KeyOptions& key_options) {
  auto conf = detail::ReadConf(dir);
  if (!conf) return std::unexpected(conf.error());
  if ((*conf)["kind"] != "root" || (*conf)["directory_key"].empty()) {
    return Fail(ErrorCode::kNotFound, dir.string() + " is not a root CA with a directory signer");
  }
  auto pem = crypto::ReadFileBytes(dir / "directory-signer.pem");
  if (!pem) return std::unexpected(pem.error());
  crypto::KeyOptions opts = key_options;
  if (opts.module_path.empty()) opts.module_path = (*conf)["directory_module"];
  auto key = crypto::Key::Load((*conf)["directory_key"], opts);
  if (!key) return std::unexpected(key.error().WithContext("directory signer"));
  return DirectorySignerKey{std::move(*key), std::move(*pem)};
}

std::string CertificateAuthority::CertificatePem() const {
  return crypto::CertificatePem(cert_.get());
}

Result<IssuedCertificate> CertificateAuthority::Sign(std::string_view csr_pem, Profile profile,
                                                     const Validity& validity) {
  auto csr = crypto::ParseCsrPem(csr_pem, "CSR");
  if (!csr) return std::unexpected(csr.error());
  EVP_PKEY* pub = X509_REQ_get0_pubkey(csr->get());
  if (pub == nullptr || X509_REQ_verify(csr->get(), pub) != 1) {
    crypto::OpenSslErrors();
    return Fail(ErrorCode::kInvalidArgument,
                "CSR signature does not verify (not made with the key it carries)");
  }
  const X509_NAME* subject = X509_REQ_get_subject_name(csr->get());
  const std::string c = NameField(subject, NID_countryName);
  const std::string o = NameField(subject, NID_organizationName);
  const std::string cn = NameField(subject, NID_commonName);
  if (c.empty() || o.empty() || cn.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "CSR subject must have C, O and CN");
  }
  if (auto ok = CheckCountryCode(c); !ok) return std::unexpected(ok.error().WithContext("CSR"));
  if (kind_ == CaKind::kRoot) {
    return Fail(ErrorCode::kInvalidArgument,
                "the root CA issues country CAs only; sign node and user CSRs with the CA of "
                "country " +
                    c);
  }
  if (profile == Profile::kDirectorySigner) {
    return Fail(ErrorCode::kInvalidArgument, "directory signers are issued by the root only");
  }
  if (c != country_) {
    return Fail(ErrorCode::kInvalidArgument, "wrong country: the CSR is for " + c +
                                                 ", this CA issues certificates for " + country_);
  }
  // Re-encode the subject as C, O, CN so the country CA's name constraint matches whatever order
  // the requester used.
  NamePtr name = MakeName(c, o, cn);
  NamesPtr san(detail::CsrSubjectAltNames(csr->get()));
  return IssueFrom(
      dir_, cert_.get(), key_.pkey(), name.get(), pub,
      profile == Profile::kUser ? detail::CertProfile::kUser : detail::CertProfile::kNode, profile,
      validity, san.get());
}

Result<IssuedCertificate> CertificateAuthority::Renew(std::string_view old_pem,
                                                      const std::optional<std::string>& new_csr_pem,
                                                      const Validity& validity) {
  auto old = crypto::ParseCertificatePem(old_pem, "certificate to renew");
  if (!old) return std::unexpected(old.error());
  if (X509_check_issued(cert_.get(), old->get()) != X509_V_OK ||
      X509_verify(old->get(), X509_get0_pubkey(cert_.get())) != 1) {
    crypto::OpenSslErrors();
    return Fail(ErrorCode::kInvalidArgument, "the certificate to renew was not issued by this CA");
  }
  auto index = Index();
  if (!index) return std::unexpected(index.error());
  const std::string serial = crypto::SerialHex(old->get());
  auto it = std::find_if(index->begin(), index->end(),
                         [&](const IndexEntry& e) { return e.serial == serial; });
  if (it == index->end()) {
    return Fail(ErrorCode::kNotFound, "serial " + serial + " is not in this CA's index");
  }
  if (it->revoked) {
    return Fail(ErrorCode::kInvalidArgument, "serial " + serial + " is revoked; issue anew");
  }
  auto profile = ParseProfile(it->profile);
  if (!profile || *profile == Profile::kDirectorySigner) {
    return Fail(ErrorCode::kUnsupported, "only node and user certificates are renewed");
  }
  EVP_PKEY* pub = X509_get0_pubkey(old->get());
  crypto::CsrPtr csr;
  if (new_csr_pem) {
    auto parsed = crypto::ParseCsrPem(*new_csr_pem, "renewal CSR");
    if (!parsed) return std::unexpected(parsed.error());
    csr = std::move(*parsed);
    pub = X509_REQ_get0_pubkey(csr.get());
    if (pub == nullptr || X509_REQ_verify(csr.get(), pub) != 1) {
      crypto::OpenSslErrors();
      return Fail(ErrorCode::kInvalidArgument, "renewal CSR signature does not verify");
    }
    if (X509_NAME_cmp(X509_REQ_get_subject_name(csr.get()), X509_get_subject_name(old->get())) !=
        0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "renewal CSR subject differs from the certificate's; request a new one");
    }
  }
  NamesPtr san(detail::CertSubjectAltNames(old->get()));
  return IssueFrom(
      dir_, cert_.get(), key_.pkey(), X509_get_subject_name(old->get()), pub,
      *profile == Profile::kUser ? detail::CertProfile::kUser : detail::CertProfile::kNode,
      *profile, validity, san.get());
}

Result<void> CertificateAuthority::Revoke(std::string_view serial_hex, int reason) {
  std::string serial(serial_hex);
  std::transform(serial.begin(), serial.end(), serial.begin(), ::toupper);
  while (serial.size() > 1 && serial[0] == '0') serial.erase(0, 1);
  {
    auto lock = detail::DirectoryLock::Acquire(dir_);
    if (!lock) return std::unexpected(lock.error());
    auto index = detail::ReadIndex(dir_);
    if (!index) return std::unexpected(index.error());
    auto it = std::find_if(index->begin(), index->end(),
                           [&](const IndexEntry& e) { return e.serial == serial; });
    if (it == index->end()) {
      return Fail(ErrorCode::kNotFound,
                  "serial " + serial + " was not issued by CA " + dir_.string());
    }
    if (it->revoked) return Fail(ErrorCode::kConflict, "serial " + serial + " is already revoked");
    it->revoked = true;
    it->revoked_at = Now();
    it->reason = reason;
    if (auto ok = detail::WriteIndex(dir_, *index); !ok) return ok;
  }
  auto crl = PublishCrl();
  if (!crl) return std::unexpected(crl.error());
  return {};
}

Result<std::string> CertificateAuthority::PublishCrl(int days) {
  auto lock = detail::DirectoryLock::Acquire(dir_);
  if (!lock) return std::unexpected(lock.error());
  auto index = detail::ReadIndex(dir_);
  if (!index) return std::unexpected(index.error());
  std::vector<detail::CrlEntry> entries;
  for (const IndexEntry& e : *index) {
    if (e.revoked) entries.push_back({e.serial, e.revoked_at, e.reason});
  }
  auto number = detail::TakeCounter(dir_, "crlnumber");
  if (!number) return std::unexpected(number.error());
  const int64_t now = Now();
  auto crl = detail::BuildCrl(cert_.get(), key_.pkey(), entries, *number, now - 60,
                              now + int64_t{days} * 86400);
  if (!crl) return std::unexpected(crl.error());
  std::string pem = crypto::CrlPem(crl->get());
  if (auto ok = crypto::WriteFileAtomic(dir_ / "crl.pem", pem); !ok) {
    return std::unexpected(ok.error());
  }
  return pem;
}

Result<IssuedCertificate> CertificateAuthority::DirectorySigner() const {
  if (kind_ != CaKind::kRoot) {
    return Fail(ErrorCode::kNotFound, "only the root CA has a directory signer");
  }
  auto pem = crypto::ReadFileBytes(dir_ / "directory-signer.pem");
  if (!pem) return std::unexpected(pem.error());
  auto cert = crypto::ParseCertificatePem(*pem, "directory-signer.pem");
  if (!cert) return std::unexpected(cert.error());
  return IssuedCertificate{crypto::SerialHex(cert->get()), *pem};
}

Result<std::vector<IndexEntry>> CertificateAuthority::Index() const {
  return detail::ReadIndex(dir_);
}

}  // namespace socmesh::pki
