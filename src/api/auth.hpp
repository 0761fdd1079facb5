// Turning a request into a Caller (E6, E17). mTLS is mandatory on every port, so every request
// carries a verified certificate; its subject O is the organisation. People and tools may add an
// API token (`Authorization: Bearer <token>`) to act as a user with a role. Tokens are stored only
// as salted SHA-256 hashes and compared in constant time (CRYPTO_memcmp).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "api/access.hpp"
#include "core/error.hpp"
#include "net/http.hpp"

namespace socmesh::api {

class Authenticator {
 public:
  // Role of certificate callers of `organisation` (e.g. peer nodes); others get `default_role`.
  void SetOrganisationRole(std::string organisation, Role role);
  void SetDefaultCertificateRole(Role role) { default_role_ = role; }

  // Creates a token for `user` of `organisation` with `role` and returns it; only its hash is kept.
  // Format "<token id>.<secret>": the id finds the record, the secret is checked.
  std::string IssueToken(const std::string& user, const std::string& organisation, Role role);
  // Revokes the token `token_id` if it belongs to `organisation`; false when there is none.
  bool RevokeToken(std::string_view token_id, std::string_view organisation);

  // Errors: kPermission (→ 401) when there is no verified certificate or the token is unknown,
  // malformed or wrong. A token must belong to the certificate's organisation: a stolen token is
  // useless from another organisation's certificate.
  Result<Caller> Authenticate(const net::Request& request) const;

 private:
  struct TokenRecord {
    std::string user;
    std::string organisation;
    Role role;
    std::vector<unsigned char> salt;
    std::vector<unsigned char> hash;  // SHA-256(salt || secret)
  };
  mutable std::mutex mutex_;
  std::map<std::string, TokenRecord, std::less<>> tokens_;
  std::map<std::string, Role, std::less<>> organisation_roles_;
  Role default_role_ = Role::kReader;
};

}  // namespace socmesh::api
