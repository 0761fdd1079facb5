#include "identity/role.hpp"

#include <utility>

namespace socmesh::identity {
namespace {

struct RoleText {
  Role role;
  std::string_view name;
  std::string_view description;
};

constexpr std::array<RoleText, 5> kRoles{{
    {Role::kAdmin, "admin",
     "administers its organisation's users, tokens and sharing groups; reads and writes"},
    {Role::kAnalyst, "analyst", "reads (up to RED of its own organisation) and writes objects"},
    {Role::kReader, "reader", "reads objects up to AMBER+STRICT; never writes"},
    {Role::kAuditor, "auditor", "reads the audit log and operational data, no objects"},
    {Role::kPeer, "peer", "another node: relays objects of any owner, never receives RED"},
}};

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& r : kRoles) {
    if (r.role == role) return r.name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& r : kRoles) {
    if (r.name == name) return r.role;
  }
  return std::nullopt;
}

std::string_view RoleDescription(Role role) {
  for (const auto& r : kRoles) {
    if (r.role == role) return r.description;
  }
  return "";
}

bool RoleCovers(Role holder, Role granted) {
  if (holder == granted) return true;
  switch (holder) {
    case Role::kAdmin:
      return granted == Role::kAnalyst || granted == Role::kReader || granted == Role::kAuditor;
    case Role::kAnalyst:
      return granted == Role::kReader;
    case Role::kReader:
    case Role::kAuditor:
    case Role::kPeer:
      return false;
  }
  return false;
}

}  // namespace socmesh::identity
