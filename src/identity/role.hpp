// The roles of socmesh (E17, E19): powers are held by roles, never by named people. Defined here,
// below api/, because the identity registry persists them; api/access.hpp decides what each role
// may read and write.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace socmesh::identity {

enum class Role { kAdmin, kAnalyst, kReader, kAuditor, kPeer };

inline constexpr std::array<Role, 5> kAllRoles = {Role::kAdmin, Role::kAnalyst, Role::kReader,
                                                  Role::kAuditor, Role::kPeer};

// "admin", "analyst", "reader", "auditor", "peer"; "unknown" for values outside the enum.
std::string_view RoleName(Role role);
// The role named exactly `name` (lower case), or nullopt.
std::optional<Role> ParseRole(std::string_view name);
// One line for people choosing a role (REST /api/v1/roles, CLI help).
std::string_view RoleDescription(Role role);

// True when a holder of `holder` may hand out a credential acting as `granted`: the same role, or
// a narrower one (admin ⊇ analyst ⊇ reader; admin ⊇ auditor). Peer is only ever itself: it is the
// role of another node, which no person's role contains.
bool RoleCovers(Role holder, Role granted);

}  // namespace socmesh::identity
