// The identity registry (E6, E17, E19; ARCHITECTURE.md §5): organisations, their users and roles,
// API tokens and sharing groups, persisted in their own SQLite file (WAL) so that tokens and
// administrative decisions survive restarts and several processes (the node, the CLI) share them.
//
// Organisations are the actors (E19): one is named exactly as the subject O of its certificates
// and registered with the certificates' country C and the role its certificates act with. Users
// belong to one organisation and hold one role; a disabled user's tokens stop working at once.
// Tokens ("<id>.<secret>") are stored as a random salt and HMAC-SHA256(salt, secret) only; the
// secret is returned once, by IssueToken. Sharing groups are named sets of organisations owned by
// one of them (its owner is always a member).
//
// Thread-safety: every method may be called from any thread; one connection, serialised by a
// mutex (a lookup costs microseconds, far below a TLS request). Other processes may use the same
// file at the same time (SQLite locking, busy timeout 10 s).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "identity/role.hpp"

namespace socmesh::identity {

using Clock = std::function<std::chrono::sys_seconds()>;

struct RegistryOptions {
  std::string path;  // SQLite file; ":memory:" for a registry that lives as long as the object
  bool create_if_missing = true;
  bool read_only = false;
  Clock clock;  // default: the system clock; tests inject one to check expiry
};

struct Organisation {
  std::string name;
  std::string country;
  Role default_role = Role::kReader;
  std::chrono::sys_seconds created{};
};

struct User {
  std::string organisation;
  std::string name;
  Role role = Role::kReader;
  bool disabled = false;
  std::chrono::sys_seconds created{};
};

// A token as listed: never its secret.
struct TokenInfo {
  std::string id;
  std::string organisation;
  std::string user;
  Role role = Role::kReader;
  std::chrono::sys_seconds created{};
  std::chrono::sys_seconds expires{};
  std::optional<std::chrono::sys_seconds> revoked;
};

struct IssuedToken {
  TokenInfo info;
  std::string token;  // "<id>.<secret>": show once, never log, never store
};

// Who a valid token speaks for, as of the moment it was checked.
struct TokenHolder {
  std::string token_id;
  std::string organisation;
  std::string user;
  Role role = Role::kReader;
};

struct SharingGroup {
  std::string name;
  std::string owner;
  std::vector<std::string> members;  // sorted, owner included
  std::chrono::sys_seconds created{};
};

class Registry {
 public:
  // Opens (or creates, with create_if_missing) the registry at options.path and migrates its
  // schema. Errors: kNotFound (no file and not creating), kInvalidArgument (not a registry file),
  // kUnsupported (newer schema), kIo / kStorage.
  static Result<std::unique_ptr<Registry>> Open(RegistryOptions options);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // --- organisations ---
  // Errors: kInvalidArgument (name, country), kConflict (exists, also differing only in case).
  Result<Organisation> AddOrganisation(std::string_view name, std::string_view country,
                                       Role default_role);
  // Errors: kNotFound.
  Result<Organisation> SetOrganisationRole(std::string_view name, Role default_role);
  // nullopt when `name` is not registered (exact, case-sensitive: as the certificate says).
  Result<std::optional<Organisation>> FindOrganisation(std::string_view name);
  Result<std::vector<Organisation>> ListOrganisations();

  // --- users ---
  // Errors: kInvalidArgument (name), kNotFound (organisation), kConflict (exists).
  Result<User> AddUser(std::string_view organisation, std::string_view name, Role role);
  // Errors: kNotFound. A changed role applies to the user's existing tokens at once (a token
  // acts with its own role only while the user's role covers it, RoleCovers).
  Result<User> SetUserRole(std::string_view organisation, std::string_view name, Role role);
  Result<User> SetUserDisabled(std::string_view organisation, std::string_view name, bool disabled);
  Result<User> GetUser(std::string_view organisation, std::string_view name);
  // Users of `organisation`, by name; of every organisation when it is empty.
  Result<std::vector<User>> ListUsers(std::string_view organisation);

  // --- API tokens ---
  // A token for an enabled user, acting as `role` (default: the user's role), valid for
  // `lifetime` (default kDefaultTokenLifetime). Errors: kNotFound (user), kConflict (user
  // disabled), kInvalidArgument (role not covered by the user's role, lifetime out of range).
  Result<IssuedToken> IssueToken(std::string_view organisation, std::string_view user,
                                 std::optional<Role> role = std::nullopt,
                                 std::optional<std::chrono::seconds> lifetime = std::nullopt);
  // Errors: kNotFound when `organisation` has no token `token_id` (also when another has).
  // Revoking twice is not an error; the first time is kept.
  Result<TokenInfo> RevokeToken(std::string_view organisation, std::string_view token_id);
  // Tokens of `organisation`, newest first (revoked and expired included, marked).
  Result<std::vector<TokenInfo>> ListTokens(std::string_view organisation);
  // Checks "<id>.<secret>": the secret against the stored HMAC with CRYPTO_memcmp (also for
  // unknown ids, so timing does not tell which ids exist), then revocation, expiry, the user's
  // disabled flag and role. Errors: kPermission with a message that never contains the secret;
  // unknown id and wrong secret give the same message.
  Result<TokenHolder> VerifyToken(std::string_view token);

  // --- sharing groups ---
  // Errors: kInvalidArgument (name), kNotFound (owner), kConflict (exists).
  Result<SharingGroup> CreateGroup(std::string_view name, std::string_view owner);
  // Errors: kNotFound (group or organisation). Returns whether the member was added (false: it
  // was already one).
  Result<bool> AddGroupMember(std::string_view group, std::string_view organisation);
  // Errors: kNotFound (group, or not a member), kConflict (the owner cannot leave its group).
  Result<void> RemoveGroupMember(std::string_view group, std::string_view organisation);
  Result<SharingGroup> GetGroup(std::string_view name);
  // Every group, by name; only those `member` belongs to when it is set.
  Result<std::vector<SharingGroup>> ListGroups(std::optional<std::string_view> member = {});
  // Names of the groups `organisation` belongs to, sorted (one indexed query: per request).
  Result<std::vector<std::string>> GroupsOf(std::string_view organisation);

 private:
  struct Impl;
  explicit Registry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace socmesh::identity
