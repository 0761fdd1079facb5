// The identity and access part of the REST API (E6, E17, E19), under /api/v1/: who am I, roles,
// organisations, users, API tokens and sharing groups, administered in the identity registry
// attached to the Authenticator (docs/api.md, "Identity and access"). Who may do what:
//   - everyone authenticated: GET me, roles, organisations, the sharing groups it belongs to;
//   - admins, for their own organisation only: users, tokens, sharing groups it owns;
//     auditors may list users and tokens;
//   - network administrators (admins of the operator organisation, Authenticator::
//     SetOperatorOrganisation): register organisations and set their default roles.
// Without a registry only me, roles and the in-memory tokens (POST, DELETE) answer; the rest is
// 503.
#pragma once

#include <string_view>

#include "api/access.hpp"
#include "api/auth.hpp"
#include "net/http.hpp"

namespace socmesh::api {

class IdentityRest {
 public:
  explicit IdentityRest(Authenticator& auth) : auth_(auth) {}

  // True for the paths this class answers (/api/v1/me, roles, organisations, users, tokens,
  // groups and below).
  static bool Handles(std::string_view path);
  // Thread-safe. JSON answers; errors {"error": code, "message": …} with 400, 403, 404, 405,
  // 409, 500, 503.
  net::Response Handle(const net::Request& request, const Caller& caller);

 private:
  Authenticator& auth_;
};

}  // namespace socmesh::api
