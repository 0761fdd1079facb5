// Certificate signing requests for nodes and users of the network (B10, E1): the subject names the
// organisation and its country, nodes add the DNS names and IP addresses their TLS endpoints use.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "crypto/key.hpp"

namespace socmesh::pki {

// What a certificate is for; decides key usage and extended key usage when a CA signs.
enum class Profile {
  kNode,             // serverAuth + clientAuth: TLS on both sides of federation links
  kUser,             // clientAuth + emailProtection: analysts and API clients, S/MIME, CMS
  kDirectorySigner,  // emailProtection, issued by the root only: signs the organisation directory
};

// "node", "user", "directory-signer"; ParseProfile is its inverse (kInvalidArgument otherwise).
std::string ProfileName(Profile profile);
Result<Profile> ParseProfile(std::string_view name);

struct SubjectName {
  std::string country;       // ISO 3166-1 alpha-2, upper case (C=)
  std::string organisation;  // O=
  std::string common_name;   // CN=: node host name or user name
};

// Checks an ISO 3166-1 alpha-2 code's form (two upper-case ASCII letters); kInvalidArgument.
Result<void> CheckCountryCode(std::string_view country);

struct CsrRequest {
  SubjectName subject;
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries (IPv4 or IPv6 text)
  std::vector<std::string> emails;        // subjectAltName email entries (users)
};

// A PEM CSR for `key`'s public key, signed by `key` (file or token). Names are checked
// (kInvalidArgument names the bad field); the subject is written C, O, CN in that order so a
// country CA's name constraint (permitted subtree C=XX) applies.
Result<std::string> MakeCsr(const crypto::Key& key, const CsrRequest& request);

}  // namespace socmesh::pki
