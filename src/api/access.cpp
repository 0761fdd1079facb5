#include "api/access.hpp"

#include <algorithm>

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
  const model::Tlp tlp = object.tlp.value_or(model::Tlp::kClear);
  switch (tlp) {
    case model::Tlp::kClear:
    case model::Tlp::kGreen:
      return true;
    case model::Tlp::kAmber:
      return OwnOrganisation(caller, object) ||
             std::ranges::find(object.recipients, caller.organisation) != object.recipients.end();
    case model::Tlp::kAmberStrict:
      return OwnOrganisation(caller, object);
    case model::Tlp::kRed:
      return OwnOrganisation(caller, object) &&
             (caller.role == Role::kAdmin || caller.role == Role::kAnalyst);
  }
  return false;
}

bool MayWrite(const Caller& caller, const StoredObject& object) {
  if (!RoleMayWrite(caller.role) || caller.organisation.empty()) return false;
  if (caller.role == Role::kPeer) return object.tlp.value_or(model::Tlp::kClear) < model::Tlp::kRed;
  return object.owner_organisation.empty() || OwnOrganisation(caller, object);
}

}  // namespace socmesh::api
