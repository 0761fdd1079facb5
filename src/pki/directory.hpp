// The signed directory of organisations (E24): who is in the network, from which country, in which
// roles, with which certificates. Published as CMS SignedData (RFC 5652, attached content) signed
// by the root's directory signer, so anyone holding only the root certificate can check it — with
// socmesh (`pki directory verify`) or with `openssl cms -verify -CAfile root.pem`.
//
// Content (UTF-8 JSON):
//   {"type":"socmesh-directory","version":1,"issued":"2025-05-01T12:00:00Z",
//    "organisations":[{"name":"CERT-FR","country":"FR","roles":["national-soc"],
//                      "certificates":["-----BEGIN CERTIFICATE-----\n…"]}]}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/key.hpp"

namespace socmesh::pki {

struct Organisation {
  std::string name;
  std::string country;                        // ISO 3166-1 alpha-2
  std::vector<std::string> roles;             // [a-z0-9-]+, e.g. "national-soc", "gateway"
  std::vector<std::string> certificates_pem;  // one PEM certificate each
};

struct Directory {
  std::string issued;  // RFC 3339 UTC timestamp of signing
  std::vector<Organisation> organisations;
};

// A problem found while parsing; `path` locates it ("organisations[2].country").
struct DirectoryDiagnostic {
  std::string path;
  std::string message;
};

struct ParsedDirectory {
  Directory directory;  // organisations with an error are dropped, the rest kept
  std::vector<DirectoryDiagnostic> diagnostics;
};

// Parses directory JSON. kParse / kTooLarge when the document itself is unusable (not JSON, not an
// object, wrong type or version, no organisations array, over 64 MiB); a bad organisation (missing
// or ill-formed name, country, roles, or a certificate that does not parse or whose subject
// country differs from the organisation's) is dropped with a diagnostic.
Result<ParsedDirectory> ParseDirectory(std::string_view json);

// Serialises (organisations in the given order). Checks nothing: validate with CheckOrganisation.
std::string SerializeDirectory(const Directory& directory);

// The checks ParseDirectory applies to one organisation; kInvalidArgument names the field.
Result<void> CheckOrganisation(const Organisation& organisation);

// Adds `organisation`, replacing an entry with the same name. Checks it first.
Result<void> AddOrganisation(Directory& directory, Organisation organisation);

// Signs the serialised directory (with `issued` set to now) as attached CMS SignedData in PEM,
// embedding the signer certificate.
Result<std::string> SignDirectory(Directory directory, const crypto::Key& signer_key,
                                  std::string_view signer_certificate_pem);

// Verifies a signed directory (PEM or DER CMS) against the root certificate only: the signature,
// the signer's chain (signer issued directly by the root, S/MIME signing purpose), then parses the
// content. kPermission-free: a bad signature, a signer not issued by the root or tampered content
// are kInvalidArgument with a message saying which.
Result<ParsedDirectory> VerifyDirectory(std::string_view signed_directory,
                                        std::string_view root_certificate_pem);

}  // namespace socmesh::pki
