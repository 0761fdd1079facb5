#include "pki/directory.hpp"

// pem.h before cms.h: cms.h declares PEM_{read,write}_bio_CMS only when PEM's macros exist.
#include <openssl/pem.h>

#include <openssl/cms.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <simdjson.h>

#include <chrono>
#include <memory>

#include "crypto/x509.hpp"
#include "model/canonical_json.hpp"
#include "model/timestamp.hpp"
#include "pki/csr.hpp"

namespace socmesh::pki {

namespace {

constexpr size_t kMaxDirectoryBytes = size_t{64} << 20;
constexpr std::string_view kType = "socmesh-directory";

struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct CmsFree {
  void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
};
using CmsPtr = std::unique_ptr<CMS_ContentInfo, CmsFree>;
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

bool IsRole(std::string_view role) {
  if (role.empty() || role.size() > 64) return false;
  for (char c : role) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// Reads organisation `i`; returns the first problem as a diagnostic, or the organisation.
std::expected<Organisation, DirectoryDiagnostic> ReadOrganisation(simdjson::dom::element el,
                                                                  size_t i) {
  const std::string at = "organisations[" + std::to_string(i) + "]";
  auto problem = [&](const std::string& field, const std::string& msg) {
    return std::unexpected(DirectoryDiagnostic{at + (field.empty() ? "" : "." + field), msg});
  };
  simdjson::dom::object obj;
  if (el.get_object().get(obj)) return problem("", "not an object");
  Organisation org;
  std::string_view text;
  if (obj["name"].get_string().get(text)) return problem("name", "missing or not a string");
  org.name = text;
  if (obj["country"].get_string().get(text)) return problem("country", "missing or not a string");
  org.country = text;
  simdjson::dom::array roles;
  if (obj["roles"].get_array().get(roles)) return problem("roles", "missing or not an array");
  for (auto r : roles) {
    if (r.get_string().get(text)) return problem("roles", "a role is not a string");
    org.roles.emplace_back(text);
  }
  simdjson::dom::array certs;
  if (obj["certificates"].get_array().get(certs)) {
    return problem("certificates", "missing or not an array");
  }
  for (auto c : certs) {
    if (c.get_string().get(text)) return problem("certificates", "a certificate is not a string");
    org.certificates_pem.emplace_back(text);
  }
  if (auto ok = CheckOrganisation(org); !ok) return problem("", ok.error().message);
  return org;
}

}  // namespace

Result<void> CheckOrganisation(const Organisation& org) {
  if (org.name.empty() || org.name.size() > 256) {
    return Fail(ErrorCode::kInvalidArgument, "name must have 1 to 256 characters");
  }
  if (auto ok = CheckCountryCode(org.country); !ok) return ok;
  if (org.roles.empty()) return Fail(ErrorCode::kInvalidArgument, "roles: at least one role");
  for (const auto& role : org.roles) {
    if (!IsRole(role)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "roles: '" + role + "' is not a role name ([a-z0-9-], at most 64)");
    }
  }
  if (org.certificates_pem.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "certificates: at least one certificate");
  }
  for (size_t i = 0; i < org.certificates_pem.size(); ++i) {
    const std::string where = "certificates[" + std::to_string(i) + "]";
    auto cert = crypto::ParseCertificatePem(org.certificates_pem[i], where);
    if (!cert) return Fail(ErrorCode::kInvalidArgument, where + ": not a PEM certificate");
    const std::string c = crypto::SubjectCountry(cert->get());
    if (c != org.country) {
      return Fail(ErrorCode::kInvalidArgument, where + ": certificate is for country '" + c +
                                                   "', organisation for " + org.country);
    }
  }
  return {};
}

Result<ParsedDirectory> ParseDirectory(std::string_view json) {
  if (json.size() > kMaxDirectoryBytes) {
    return Fail(ErrorCode::kTooLarge, "directory is larger than 64 MiB");
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    return Fail(ErrorCode::kParse,
                std::string("directory is not JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return Fail(ErrorCode::kParse, "directory is not an object");
  std::string_view type;
  if (obj["type"].get_string().get(type) || type != kType) {
    return Fail(ErrorCode::kParse, "directory: \"type\" must be \"socmesh-directory\"");
  }
  int64_t version = 0;
  if (obj["version"].get_int64().get(version) || version != 1) {
    return Fail(ErrorCode::kUnsupported, "directory: only version 1 is supported");
  }
  ParsedDirectory out;
  std::string_view issued;
  if (!obj["issued"].get_string().get(issued)) {
    if (!model::ParseTimestamp(issued)) {
      out.diagnostics.push_back({"issued", "not an RFC 3339 UTC timestamp"});
    } else {
      out.directory.issued = issued;
    }
  }
  simdjson::dom::array orgs;
  if (obj["organisations"].get_array().get(orgs)) {
    return Fail(ErrorCode::kParse, "directory: \"organisations\" must be an array");
  }
  size_t i = 0;
  for (auto el : orgs) {
    auto org = ReadOrganisation(el, i++);
    if (org) {
      out.directory.organisations.push_back(std::move(*org));
    } else {
      out.diagnostics.push_back(std::move(org.error()));
    }
  }
  return out;
}

std::string SerializeDirectory(const Directory& d) {
  model::JsonWriter w;
  w.BeginObject().Key("type").String(kType).Key("version").Int(1);
  if (!d.issued.empty()) w.Key("issued").String(d.issued);
  w.Key("organisations").BeginArray();
  for (const auto& org : d.organisations) {
    w.BeginObject().Key("name").String(org.name).Key("country").String(org.country);
    w.Key("roles").BeginArray();
    for (const auto& r : org.roles) w.String(r);
    w.EndArray().Key("certificates").BeginArray();
    for (const auto& c : org.certificates_pem) w.String(c);
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.Take() + "\n";
}

Result<void> AddOrganisation(Directory& directory, Organisation organisation) {
  if (auto ok = CheckOrganisation(organisation); !ok) {
    return std::unexpected(ok.error().WithContext("organisation '" + organisation.name + "'"));
  }
  for (auto& existing : directory.organisations) {
    if (existing.name == organisation.name) {
      existing = std::move(organisation);
      return {};
    }
  }
  directory.organisations.push_back(std::move(organisation));
  return {};
}

Result<std::string> SignDirectory(Directory directory, const crypto::Key& signer_key,
                                  std::string_view signer_certificate_pem) {
  auto signer = crypto::ParseCertificatePem(signer_certificate_pem, "directory signer");
  if (!signer) return std::unexpected(signer.error());
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  directory.issued = model::FormatTimestamp(model::Timestamp{now});
  const std::string content = SerializeDirectory(directory);
  BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  // CMS_BINARY: the JSON is signed byte for byte (no MIME canonicalisation of line ends).
  CmsPtr cms(CMS_sign(signer->get(), signer_key.pkey(), nullptr, in.get(), CMS_BINARY));
  if (!cms) {
    return Fail(ErrorCode::kInternal, "signing the directory: " + crypto::OpenSslErrors());
  }
  BioPtr out(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_CMS(out.get(), cms.get()) != 1) {
    return Fail(ErrorCode::kInternal, "encoding the directory: " + crypto::OpenSslErrors());
  }
  return BioText(out.get());
}

Result<ParsedDirectory> VerifyDirectory(std::string_view signed_directory,
                                        std::string_view root_certificate_pem) {
  auto root = crypto::ParseCertificatePem(root_certificate_pem, "root certificate");
  if (!root) return std::unexpected(root.error());
  if (signed_directory.size() > kMaxDirectoryBytes * 2) {
    return Fail(ErrorCode::kTooLarge, "signed directory is too large");
  }
  BioPtr in(BIO_new_mem_buf(signed_directory.data(), static_cast<int>(signed_directory.size())));
  CmsPtr cms(signed_directory.starts_with("-----BEGIN")
                 ? PEM_read_bio_CMS(in.get(), nullptr, nullptr, nullptr)
                 : d2i_CMS_bio(in.get(), nullptr));
  if (!cms) {
    return Fail(ErrorCode::kParse, "signed directory is not CMS: " + crypto::OpenSslErrors());
  }
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root->get());
  BioPtr out(BIO_new(BIO_s_mem()));
  if (CMS_verify(cms.get(), nullptr, store.get(), nullptr, out.get(), CMS_BINARY) != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "directory signature does not verify against the root: " + crypto::OpenSslErrors());
  }
  // Any root-issued chain would pass CMS_verify (a node certificate via its country CA, too); only
  // the root's own directory signer may speak for the network.
  STACK_OF(X509)* signers = CMS_get0_signers(cms.get());
  const int n = signers != nullptr ? sk_X509_num(signers) : 0;
  X509* signer = n == 1 ? sk_X509_value(signers, 0) : nullptr;
  sk_X509_free(signers);
  if (signer == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "directory must have exactly one signer");
  }
  if (X509_check_issued(root->get(), signer) != X509_V_OK ||
      X509_verify(signer, X509_get0_pubkey(root->get())) != 1 || X509_check_ca(signer) != 0) {
    crypto::OpenSslErrors();
    return Fail(ErrorCode::kInvalidArgument, "directory signer " + crypto::SubjectText(signer) +
                                                 " is not a directory signer issued by the root");
  }
  return ParseDirectory(BioText(out.get()));
}

}  // namespace socmesh::pki
