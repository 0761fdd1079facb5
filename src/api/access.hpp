// Who is asking, and the ONE policy function that decides whether they may read or write a STIX
// object (E6, E17, E19; ARCHITECTURE.md §6). TAXII, the REST API and later federation all call
// MayRead / MayWrite, so a sharing rule is written once.
//
// The rule implemented today (TLP 2.0, the caller's organisation, the object's owner):
//   roles        admin, analyst, reader, peer read objects; auditor reads none (audit log only).
//                admin, analyst and peer write; reader and auditor never write.
//   CLEAR/GREEN  (and unmarked objects) any authenticated caller with a reading role.
//   AMBER        the owner's organisation, and organisations listed as explicit recipients.
//   AMBER+STRICT the owner's organisation only.
//   RED          the owner's organisation only, and only people (admin, analyst): a peer node
//                never receives RED, it travels end-to-end encrypted (B12) in a later issue.
//   unknown owner (no created_by_ref, or an identity no organisation claims): AMBER and above are
//                refused — an object nobody owns cannot be shared under a restrictive marking.
//   writes       admin and analyst may only write objects their own organisation owns (or
//                unowned ones); a peer relays objects of any owner but never above AMBER+STRICT.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "identity/role.hpp"
#include "model/tlp.hpp"

namespace socmesh::api {

// Roles are persisted by the identity registry, so they are defined there (identity/role.hpp).
using Role = identity::Role;
using identity::ParseRole;
using identity::RoleName;

// The authenticated actor of a request: an organisation (from the certificate's subject O or the
// token's owner) and a role. A person acting with an API token has `user` set.
struct Caller {
  Caller() = default;
  // Spelled out (not an aggregate) so that callers that name only the first four fields keep
  // compiling without -Wmissing-field-initializers as fields are added.
  Caller(std::string organisation_, std::string country_, std::string user_, Role role_,
         std::vector<std::string> sharing_groups_ = {})
      : organisation(std::move(organisation_)),
        country(std::move(country_)),
        user(std::move(user_)),
        role(role_),
        sharing_groups(std::move(sharing_groups_)) {}

  std::string organisation;
  std::string country;
  std::string user;  // empty for certificate callers
  Role role = Role::kReader;
  // Sharing groups the organisation belongs to (identity registry), sorted; empty without a
  // registry. Not used by MayRead yet: sharing-group objects come with federation (§6).
  std::vector<std::string> sharing_groups;
};

// What the policy needs to know about one object.
struct StoredObject {
  std::optional<model::Tlp> tlp;        // strictest TLP marking; nullopt when unmarked
  std::string owner_organisation;       // organisation of created_by_ref; empty when unknown
  std::vector<std::string> recipients;  // organisations explicitly granted AMBER access
};

bool MayRead(const Caller& caller, const StoredObject& object);
bool MayWrite(const Caller& caller, const StoredObject& object);

// True when the role may read objects at all (CLEAR content); used to answer 403 early.
bool RoleMayRead(Role role);
bool RoleMayWrite(Role role);

}  // namespace socmesh::api
