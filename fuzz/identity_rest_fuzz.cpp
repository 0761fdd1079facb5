// Fuzzes the identity REST API (api/identity_rest.hpp, api/identity_requests.hpp): the bodies it
// parses and the paths it routes, against an in-memory registry. Input layout: "METHOD PATH\n"
// then the body. Invariants: every answer is one of the documented statuses; a body a parser
// accepts satisfies the registry's own validation (a parser never lets through what the registry
// would refuse as invalid); a refusal names a field.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "api/identity_requests.hpp"
#include "api/identity_rest.hpp"
#include "identity/names.hpp"
#include "identity/registry.hpp"

namespace {

using socmesh::api::Role;

struct Harness {
  socmesh::api::Authenticator auth;
  std::unique_ptr<socmesh::api::IdentityRest> rest;
  Harness() {
    socmesh::identity::RegistryOptions o;
    o.path = ":memory:";
    std::shared_ptr<socmesh::identity::Registry> registry =
        std::move(*socmesh::identity::Registry::Open(std::move(o)));
    (void)registry->AddOrganisation("FUZZ", "FR", Role::kAdmin);
    (void)registry->AddOrganisation("OTHER", "DE", Role::kReader);
    (void)registry->AddUser("FUZZ", "alice", Role::kAdmin);
    (void)registry->CreateGroup("g1", "OTHER");
    auth.Attach(registry);
    auth.SetOperatorOrganisation("FUZZ");
    rest = std::make_unique<socmesh::api::IdentityRest>(auth);
  }
};

void Check(bool ok) {
  if (!ok) std::abort();
}

template <typename T>
void CheckRefusal(const socmesh::Result<T>& r) {
  if (!r) {
    Check(r.error().code == socmesh::ErrorCode::kInvalidArgument);
    Check(!r.error().message.empty());
  }
}

void CheckParsers(std::string_view body) {
  namespace id = socmesh::identity;
  auto org = socmesh::api::ParseOrganisationRequest(body);
  CheckRefusal(org);
  if (org) Check(id::ValidateOrganisationName(org->name) && id::ValidateCountry(org->country));
  CheckRefusal(socmesh::api::ParseOrganisationUpdate(body));
  auto user = socmesh::api::ParseUserRequest(body);
  CheckRefusal(user);
  if (user) Check(id::ValidateUserName(user->name).has_value());
  auto update = socmesh::api::ParseUserUpdate(body);
  CheckRefusal(update);
  if (update) Check(update->role || update->disabled);
  auto token = socmesh::api::ParseTokenRequest(body);
  CheckRefusal(token);
  if (token && token->expires_in) Check(id::ValidateLifetime(*token->expires_in).has_value());
  auto group = socmesh::api::ParseGroupRequest(body);
  CheckRefusal(group);
  if (group) Check(id::ValidateGroupName(*group).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t eol = in.find('\n');
  const std::string_view line = in.substr(0, eol);
  const std::string_view body = eol == std::string_view::npos ? "" : in.substr(eol + 1);
  CheckParsers(body);

  socmesh::net::Request r;
  const size_t space = line.find(' ');
  r.method = std::string(line.substr(0, space));
  r.target = space == std::string_view::npos ? "/api/v1/me" : std::string(line.substr(space + 1));
  r.body = std::string(body);
  if (!socmesh::api::IdentityRest::Handles(r.path())) return 0;
  const socmesh::api::Caller caller{"FUZZ", "FR", "alice", Role::kAdmin};
  const auto response = h.rest->Handle(r, caller);
  switch (response.status) {
    case 200:
    case 201:
    case 400:
    case 403:
    case 404:
    case 405:
    case 409:
      break;
    default:
      std::abort();
  }
  return 0;
}
