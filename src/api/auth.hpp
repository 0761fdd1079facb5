// Turning a request into a Caller (E6, E17). mTLS is mandatory on every port, so every request
// carries a verified certificate; its subject O is the organisation. People and tools may add an
// API token (`Authorization: Bearer <token>`) to act as a user with a role. Tokens are stored only
// as salted hashes and compared in constant time (CRYPTO_memcmp).
//
// Two sources of identity: the in-memory settings below (SetOrganisationRole, IssueToken: the
// node's configuration and ephemeral tokens, gone at restart) and, once attached, the persistent
// identity registry (identity/registry.hpp), which the REST API and `socmesh org|user|token|group`
// administer. Registry entries win: an organisation's role changed by its administrators takes
// effect on the next request whatever the configuration said.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/access.hpp"
#include "core/error.hpp"
#include "net/http.hpp"

namespace socmesh::identity {
class Registry;
}

namespace socmesh::api {

class Authenticator {
 public:
  // Role of certificate callers of `organisation` (e.g. peer nodes); others get `default_role`.
  void SetOrganisationRole(std::string organisation, Role role);
  void SetDefaultCertificateRole(Role role) { default_role_ = role; }

  // Backs this authenticator with `registry` (shared ownership; nullptr detaches). From then on:
  //  - a certificate of a registered organisation acts with the registry's default role for it
  //    (SetOrganisationRole stays the fallback for organisations not registered), and its
  //    country C must be the registered one (else kPermission: the same O in another country is
  //    another organisation);
  //  - registry tokens are accepted (as well as IssueToken's in-memory ones); expiry, revocation,
  //    user disabling and role changes apply on the next request;
  //  - Caller::sharing_groups lists the organisation's sharing groups.
  // Thread-safe; normally called once before serving.
  void Attach(std::shared_ptr<identity::Registry> registry);
  std::shared_ptr<identity::Registry> registry() const;
  // The organisation operating this node. Its admins are the network administrators of this
  // node's registry: they register organisations and set their default roles (docs/api.md).
  void SetOperatorOrganisation(std::string organisation);
  bool IsNetworkAdmin(const Caller& caller) const;

  // Creates an ephemeral (in-memory, no expiry) token for `user` of `organisation` with `role` and
  // returns it; only its hash is kept. Format "<token id>.<secret>": the id finds the record, the
  // secret is checked. Persistent tokens are issued by identity::Registry::IssueToken.
  std::string IssueToken(const std::string& user, const std::string& organisation, Role role);
  // Revokes the token `token_id` (in-memory, else in the attached registry) if it belongs to
  // `organisation`; false when there is none.
  bool RevokeToken(std::string_view token_id, std::string_view organisation);

  // Errors: kPermission (→ 401) when there is no verified certificate, the token is unknown,
  // malformed, wrong, expired, revoked or its user disabled, or the certificate's country is not
  // its registered organisation's; kStorage when the registry cannot be read (callers refuse the
  // request either way: fail closed). A token must belong to the certificate's organisation: a
  // stolen token is useless from another organisation's certificate.
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
  std::shared_ptr<identity::Registry> registry_;
  std::string operator_organisation_;
};

}  // namespace socmesh::api
