#include "pki/csr.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/x509.hpp"

namespace socmesh::pki {

namespace {

Result<void> CheckText(std::string_view field, const std::string& value, size_t max) {
  if (value.empty()) return Fail(ErrorCode::kInvalidArgument, std::string(field) + " is empty");
  if (value.size() > max) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(field) + " is longer than " + std::to_string(max) + " characters");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument, std::string(field) + " contains control characters");
    }
  }
  return {};
}

}  // namespace

std::string ProfileName(Profile profile) {
  switch (profile) {
    case Profile::kNode:
      return "node";
    case Profile::kUser:
      return "user";
    case Profile::kDirectorySigner:
      return "directory-signer";
  }
  return "node";
}

Result<Profile> ParseProfile(std::string_view name) {
  if (name == "node") return Profile::kNode;
  if (name == "user") return Profile::kUser;
  if (name == "directory-signer") return Profile::kDirectorySigner;
  return Fail(ErrorCode::kInvalidArgument,
              "unknown profile '" + std::string(name) + "' (node, user or directory-signer)");
}

Result<void> CheckCountryCode(std::string_view country) {
  if (country.size() != 2 || country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' ||
      country[1] > 'Z') {
    return Fail(ErrorCode::kInvalidArgument,
                "country '" + std::string(country) +
                    "' is not an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. FR)");
  }
  return {};
}

Result<std::string> MakeCsr(const crypto::Key& key, const CsrRequest& request) {
  const SubjectName& s = request.subject;
  if (auto ok = CheckCountryCode(s.country); !ok) return std::unexpected(ok.error());
  // RFC 5280 upper bounds: ub-organization-name 64, ub-common-name 64.
  if (auto ok = CheckText("organisation (O)", s.organisation, 64); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = CheckText("name (CN)", s.common_name, 64); !ok) return std::unexpected(ok.error());

  crypto::CsrPtr csr(X509_REQ_new());
  X509_REQ_set_version(csr.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(csr.get());
  auto add = [&](int nid, const std::string& v) {
    return X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1,
                                      0) == 1;
  };
  if (!add(NID_countryName, s.country) || !add(NID_organizationName, s.organisation) ||
      !add(NID_commonName, s.common_name)) {
    return Fail(ErrorCode::kInvalidArgument, "subject: " + crypto::OpenSslErrors());
  }

  std::string san;
  auto append = [&](const std::string& entry) { san += (san.empty() ? "" : ",") + entry; };
  for (const auto& dns : request.dns_names) {
    if (auto ok = CheckText("DNS name", dns, 253); !ok) return std::unexpected(ok.error());
    if (dns.find_first_of(", ") != std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument, "DNS name '" + dns + "' is not a host name");
    }
    append("DNS:" + dns);
  }
  for (const auto& ip : request.ip_addresses) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
      return Fail(ErrorCode::kInvalidArgument, "'" + ip + "' is not an IPv4 or IPv6 address");
    }
    append("IP:" + ip);
  }
  for (const auto& email : request.emails) {
    if (auto ok = CheckText("e-mail", email, 254); !ok) return std::unexpected(ok.error());
    if (email.find('@') == std::string::npos || email.find_first_of(", ") != std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument, "'" + email + "' is not an e-mail address");
    }
    append("email:" + email);
  }
  if (!san.empty()) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    if (ext == nullptr) {
      sk_X509_EXTENSION_free(exts);
      return Fail(ErrorCode::kInvalidArgument, "subjectAltName: " + crypto::OpenSslErrors());
    }
    sk_X509_EXTENSION_push(exts, ext);
    int ok = X509_REQ_add_extensions(csr.get(), exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    if (ok != 1) return Fail(ErrorCode::kInternal, "CSR extensions: " + crypto::OpenSslErrors());
  }
  if (X509_REQ_set_pubkey(csr.get(), key.pkey()) != 1 ||
      X509_REQ_sign(csr.get(), key.pkey(), EVP_sha256()) <= 0) {
    return Fail(ErrorCode::kInternal,
                "signing the CSR with " + key.location() + ": " + crypto::OpenSslErrors());
  }
  return crypto::CsrPem(csr.get());
}

}  // namespace socmesh::pki
