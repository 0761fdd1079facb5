#include "api/access.hpp"

#include <algorithm>

#include "federation/policy.hpp"

namespace socmesh::api {
namespace {

bool OwnOrganisation(const Caller& caller, const StoredObject& object) {
  return !object.owner_organisation.empty() && caller.organisation == object.owner_organisation;
}

}  // namespace

bool RoleMayRead(Role role) { return role != Role::kAuditor; }
bool RoleMayWrite(Role role) {
  return role == Role::kAdmin || role == Role::kAnalyst || role == Role::kPeer;
}

bool MayRead(const Caller& caller, const StoredObject& object) {
  if (!RoleMayRead(caller.role) || caller.organisation.empty()) return false;
  // RED is for people: a peer node never receives it in clear (it travels end-to-end encrypted,
  // B12), nor does a reader's tool.
  if (object.tlp == model::Tlp::kRed && caller.role != Role::kAdmin &&
      caller.role != Role::kAnalyst) {
    return false;
  }
  // Everything else is the one sharing policy (ARCHITECTURE.md §6), the same function that
  // federation applies at the origin, at every relay and at the receiver.
  federation::ObjectFacts facts;
  facts.tlp = object.tlp;
  facts.scope = object.scope;
  facts.origin_organisation = object.owner_organisation;
  facts.origin_country = object.origin_country;
  facts.recipients = object.recipients;
  facts.sharing_groups = object.sharing_groups;
  federation::Holder holder;
  holder.organisation = caller.organisation;
  holder.country = caller.country;
  holder.sharing_groups = caller.sharing_groups;
  return federation::MayHoldInClear(facts, holder);
}

bool MayWrite(const Caller& caller, const StoredObject& object) {
  if (!RoleMayWrite(caller.role) || caller.organisation.empty()) return false;
  if (caller.role == Role::kPeer) return object.tlp.value_or(model::Tlp::kClear) < model::Tlp::kRed;
  return object.owner_organisation.empty() || OwnOrganisation(caller, object);
}

}  // namespace socmesh::api
