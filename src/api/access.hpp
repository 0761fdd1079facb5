// Who is asking, and whether they may read or write a STIX object (E6, E17, E19; ARCHITECTURE.md
// §6). TAXII and the REST API call MayRead / MayWrite; MayRead's sharing decision is the ONE policy
// function of federation/policy.hpp (federation::Decide), the same that federation applies at the
// origin, at every relay and at the receiver, so a sharing rule is written once.
//
//   roles        admin, analyst, reader, peer read objects; auditor reads none (audit log only).
//                admin, analyst and peer write; reader and auditor never write.
//   RED          only people (admin, analyst): a peer node never receives RED in clear, it
//                travels end-to-end encrypted (B12).
//   sharing      federation::Decide on the object's TLP, owner (created_by_ref), and the socmesh
//                extension's scope, recipients and sharing groups, for the caller's organisation,
//                country and sharing groups: CLEAR/GREEN/unmarked to everyone in the network;
//                AMBER to the owner, explicit recipients and members of listed groups;
//                AMBER+STRICT and RED to the owner and explicit recipients; the scope
//                (organisation, national, consortium, network, sharing group) narrows any of them.
//                An object with an unknown owner reaches only its explicit recipients above GREEN.
//   writes       admin and analyst may only write objects their own organisation owns (or
//                unowned ones); a peer relays objects of any owner but never above AMBER+STRICT.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "identity/role.hpp"
#include "model/socmesh_extension.hpp"
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
  // registry. MayRead lets members read AMBER objects shared with one of their groups.
  std::vector<std::string> sharing_groups;
};

// What the policy needs to know about one object (from its columns, `created_by_ref` and the
// socmesh extension: model/socmesh_extension.hpp).
struct StoredObject {
  std::optional<model::Tlp> tlp;        // strictest TLP marking; nullopt when unmarked
  std::string owner_organisation;       // organisation of created_by_ref; empty when unknown
  std::vector<std::string> recipients;  // organisations explicitly granted access
  std::optional<model::DistributionScope> scope;  // nullopt: TLP alone decides
  std::string origin_country;                     // for the national scope; empty: unknown
  std::vector<std::string> sharing_groups;        // groups the object is shared with
};

bool MayRead(const Caller& caller, const StoredObject& object);
bool MayWrite(const Caller& caller, const StoredObject& object);

// True when the role may read objects at all (CLEAR content); used to answer 403 early.
bool RoleMayRead(Role role);
bool RoleMayWrite(Role role);

}  // namespace socmesh::api
