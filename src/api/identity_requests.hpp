// The JSON bodies of the identity REST API (docs/api.md, "Identity and access"), parsed strictly
// from untrusted input: a JSON object with only the documented keys, each once and of the right
// type, names and countries validated by identity/names.hpp. Errors are kInvalidArgument (→ 400)
// with a message naming the field. No registry is touched here (fuzz/identity_rest_fuzz.cpp).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/access.hpp"
#include "core/error.hpp"

namespace socmesh::api {

// POST /api/v1/organisations {"name", "country", "role"?}; role defaults to reader.
struct OrganisationRequest {
  std::string name;
  std::string country;
  Role role = Role::kReader;
};
Result<OrganisationRequest> ParseOrganisationRequest(std::string_view body);

// PATCH /api/v1/organisations/{name} {"role"}.
Result<Role> ParseOrganisationUpdate(std::string_view body);

// POST /api/v1/users {"name", "role"}.
struct UserRequest {
  std::string name;
  Role role = Role::kReader;
};
Result<UserRequest> ParseUserRequest(std::string_view body);

// PATCH /api/v1/users/{name} {"role"?, "disabled"?}: at least one of them.
struct UserUpdate {
  std::optional<Role> role;
  std::optional<bool> disabled;
};
Result<UserUpdate> ParseUserUpdate(std::string_view body);

// POST /api/v1/tokens {"user", "role"?, "expires_in"?}: expires_in in seconds (60 s … 400 days).
struct TokenRequest {
  std::string user;
  std::optional<Role> role;
  std::optional<std::chrono::seconds> expires_in;
};
Result<TokenRequest> ParseTokenRequest(std::string_view body);

// POST /api/v1/groups {"name"}.
Result<std::string> ParseGroupRequest(std::string_view body);

}  // namespace socmesh::api
