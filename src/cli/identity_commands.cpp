// `socmesh org|user|token|group …`: the identity registry (identity/registry.hpp) from the command
// line, for the node's operator — bootstrapping the first administrators and working without
// the REST API. Composition only; every rule lives in identity/. See docs/cli.md, "Identity".
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/audit_trail.hpp"
#include "cli/command_group.hpp"
#include "cli/commands.hpp"
#include "identity/names.hpp"
#include "identity/registry.hpp"
#include "store/store.hpp"

namespace socmesh::cli {
namespace {

using identity::Registry;
using identity::Role;

struct IdentityOptions {
  std::string registry;
  std::string org;
  std::string name;
  std::string country;
  std::string role;
  std::string user;
  std::string lifetime;
  std::string group;
  std::string token_id;
  bool all = false;
};

int ExitFor(const Error& e) {
  PrintError(e);
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    case ErrorCode::kNotFound:
      return kExitNotFound;
    default:
      return kExitFailure;
  }
}

// --registry, else $SOCMESH_REGISTRY, else identity.db in the store's directory.
Result<std::string> RegistryPath(const GlobalOptions& g, const IdentityOptions& o) {
  if (!o.registry.empty()) return o.registry;
  if (const char* env = std::getenv("SOCMESH_REGISTRY"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  std::string store = g.store.empty() ? store::DefaultStoreLocation() : g.store;
  if (store.starts_with("sqlite:")) store.erase(0, 7);
  if (store.find("://") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "the store is not a file: give --registry PATH (or $SOCMESH_REGISTRY)");
  }
  return (std::filesystem::path(store).parent_path() / "identity.db").string();
}

Result<std::unique_ptr<Registry>> OpenRegistry(const GlobalOptions& g, const IdentityOptions& o,
                                               bool create) {
  auto path = RegistryPath(g, o);
  if (!path) return std::unexpected(path.error());
  identity::RegistryOptions options;
  options.path = *path;
  options.create_if_missing = create;
  return Registry::Open(std::move(options));
}

Result<Role> RoleOption(const std::string& name) {
  auto role = identity::ParseRole(name);
  if (!role) {
    return Fail(ErrorCode::kInvalidArgument,
                "--role \"" + name + "\": expected admin, analyst, reader, auditor or peer");
  }
  return *role;
}

void PrintUser(const identity::User& u) {
  std::cout << u.organisation << "\t" << u.name << "\t" << identity::RoleName(u.role) << "\t"
            << (u.disabled ? "disabled" : "enabled") << "\n";
}

int RunOrg(CLI::App* add, CLI::App* list, const GlobalOptions& g, const IdentityOptions& o) {
  auto registry = OpenRegistry(g, o, !*list);
  if (!registry) return ExitFor(registry.error());
  if (*list) {
    auto orgs = (*registry)->ListOrganisations();
    if (!orgs) return ExitFor(orgs.error());
    for (const auto& org : *orgs) {
      std::cout << org.name << "\t" << org.country << "\t" << identity::RoleName(org.default_role)
                << "\n";
    }
    return kExitOk;
  }
  // Not a CLI11 default_val: that would write "reader" into the --role every command shares.
  auto role = RoleOption(o.role.empty() ? "reader" : o.role);
  if (!role) return ExitFor(role.error());
  auto org = *add ? (*registry)->AddOrganisation(o.name, o.country, *role)
                  : (*registry)->SetOrganisationRole(o.name, *role);
  if (!org) return ExitFor(org.error());
  std::cout << org->name << "\t" << org->country << "\t" << identity::RoleName(org->default_role)
            << "\n";
  return kExitOk;
}

int RunUser(CLI::App* add, CLI::App* list, CLI::App* disable, CLI::App* enable, CLI::App* set_role,
            const GlobalOptions& g, const IdentityOptions& o) {
  auto registry = OpenRegistry(g, o, !*list);
  if (!registry) return ExitFor(registry.error());
  if (*list) {
    auto users = (*registry)->ListUsers(o.org);
    if (!users) return ExitFor(users.error());
    for (const auto& u : *users) PrintUser(u);
    return kExitOk;
  }
  Result<identity::User> user = Fail(ErrorCode::kInternal, "no user command");
  if (*add || *set_role) {
    auto role = RoleOption(o.role);
    if (!role) return ExitFor(role.error());
    user = *add ? (*registry)->AddUser(o.org, o.name, *role)
                : (*registry)->SetUserRole(o.org, o.name, *role);
  } else if (*disable || *enable) {
    user = (*registry)->SetUserDisabled(o.org, o.name, bool(*disable));
  }
  if (!user) return ExitFor(user.error());
  PrintUser(*user);
  return kExitOk;
}

int RunToken(CLI::App* issue, CLI::App* revoke, const GlobalOptions& g, const IdentityOptions& o) {
  auto registry = OpenRegistry(g, o, false);
  if (!registry) return ExitFor(registry.error());
  if (*issue) {
    std::optional<Role> role;
    if (!o.role.empty()) {
      auto r = RoleOption(o.role);
      if (!r) return ExitFor(r.error());
      role = *r;
    }
    std::optional<std::chrono::seconds> lifetime;
    if (!o.lifetime.empty()) {
      auto l = identity::ParseLifetime(o.lifetime);
      if (!l) return ExitFor(l.error());
      lifetime = *l;
    }
    NoteAuditTarget(o.org + "/" + o.user);
    auto issued = (*registry)->IssueToken(o.org, o.user, role, lifetime);
    if (!issued) return ExitFor(issued.error());
    NoteAuditDetail("id", issued->info.id);  // the id only, never the token itself
    // The token alone on stdout (TOKEN=$(socmesh token issue …)); it is shown this once.
    std::cout << issued->token << "\n";
    std::cerr << "socmesh: token " << issued->info.id << " for " << issued->info.user << " ("
              << identity::RoleName(issued->info.role) << ") of " << issued->info.organisation
              << ", expires " << identity::FormatUtc(issued->info.expires)
              << "; it is not shown again\n";
    return kExitOk;
  }
  if (*revoke) {
    auto revoked = (*registry)->RevokeToken(o.org, o.token_id);
    if (!revoked) return ExitFor(revoked.error());
    std::cout << revoked->id << "\trevoked " << identity::FormatUtc(*revoked->revoked) << "\n";
    return kExitOk;
  }
  auto tokens = (*registry)->ListTokens(o.org);
  if (!tokens) return ExitFor(tokens.error());
  for (const auto& t : *tokens) {
    std::cout << t.id << "\t" << t.user << "\t" << identity::RoleName(t.role) << "\t"
              << identity::FormatUtc(t.created) << "\t" << identity::FormatUtc(t.expires) << "\t"
              << (t.revoked ? "revoked" : "active") << "\n";
  }
  return kExitOk;
}

void PrintGroup(const identity::SharingGroup& group) {
  std::cout << group.name << "\t" << group.owner << "\t";
  for (size_t i = 0; i < group.members.size(); ++i) {
    std::cout << (i ? "," : "") << group.members[i];
  }
  std::cout << "\n";
}

int RunGroup(CLI::App* create, CLI::App* add, CLI::App* remove, CLI::App* list,
             const GlobalOptions& g, const IdentityOptions& o) {
  auto registry = OpenRegistry(g, o, !*list);
  if (!registry) return ExitFor(registry.error());
  if (*list) {
    std::optional<std::string_view> member;
    if (!o.org.empty()) member = o.org;
    auto groups = (*registry)->ListGroups(member);
    if (!groups) return ExitFor(groups.error());
    for (const auto& group : *groups) PrintGroup(group);
    return kExitOk;
  }
  if (*create) {
    auto group = (*registry)->CreateGroup(o.group, o.org);
    if (!group) return ExitFor(group.error());
    PrintGroup(*group);
    return kExitOk;
  }
  if (*add) {
    auto added = (*registry)->AddGroupMember(o.group, o.org);
    if (!added) return ExitFor(added.error());
  } else if (*remove) {
    auto removed = (*registry)->RemoveGroupMember(o.group, o.org);
    if (!removed) return ExitFor(removed.error());
  }
  auto group = (*registry)->GetGroup(o.group);
  if (!group) return ExitFor(group.error());
  PrintGroup(*group);
  return kExitOk;
}

}  // namespace

void IdentityCommands(CLI::App& app, const GlobalOptions& global,
                      std::vector<CommandRunner>& runners) {
  auto o = std::make_shared<IdentityOptions>();
  auto registry_option = [&](CLI::App* cmd) {
    cmd->add_option("--registry", o->registry,
                    "Identity registry file (default $SOCMESH_REGISTRY, else identity.db next to "
                    "the store)");
  };
  const std::string roles = "admin, analyst, reader, auditor or peer";

  auto* org = app.add_subcommand("org", "Organisations of the identity registry");
  org->require_subcommand(1);
  auto* org_add =
      org->add_subcommand("add", "Register an organisation (its certificates' O and C)");
  org_add->add_option("--name", o->name, "Organisation: exactly its certificates' subject O")
      ->required();
  org_add->add_option("--country", o->country, "ISO 3166-1 alpha-2 (its certificates' C)")
      ->required();
  org_add->add_option("--role", o->role,
                      "Role of its certificates: " + roles + " (default reader)");
  auto* org_list = org->add_subcommand("list", "List organisations: name, country, role");
  auto* org_role = org->add_subcommand("set-role", "Change an organisation's certificate role");
  org_role->add_option("--name", o->name, "Organisation")->required();
  org_role->add_option("--role", o->role, roles)->required();
  for (auto* c : {org_add, org_list, org_role}) registry_option(c);

  auto* user = app.add_subcommand("user", "Users of an organisation");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "Create a user");
  auto* user_list = user->add_subcommand("list", "List users: organisation, name, role, state");
  auto* user_disable = user->add_subcommand("disable", "Disable a user: its tokens stop working");
  auto* user_enable = user->add_subcommand("enable", "Enable a disabled user again");
  auto* user_role = user->add_subcommand("set-role", "Change a user's role");
  for (auto* c : {user_add, user_disable, user_enable, user_role}) {
    c->add_option("--org", o->org, "Organisation")->required();
    c->add_option("--name", o->name, "User name")->required();
  }
  user_list->add_option("--org", o->org, "Only this organisation's users");
  user_add->add_option("--role", o->role, roles)->required();
  user_role->add_option("--role", o->role, roles)->required();
  for (auto* c : {user_add, user_list, user_disable, user_enable, user_role}) registry_option(c);

  auto* token = app.add_subcommand("token", "API tokens (Authorization: Bearer)");
  token->require_subcommand(1);
  auto* token_issue =
      token->add_subcommand("issue", "Issue a token; prints it once on stdout, never again");
  token_issue->add_option("--org", o->org, "Organisation")->required();
  token_issue->add_option("--user", o->user, "User the token acts for")->required();
  token_issue->add_option("--role", o->role, "Role (default: the user's; at most the user's)");
  token_issue->add_option("--expires-in", o->lifetime, "Lifetime: 90d (default), 12h, 30m, 3600s");
  auto* token_list = token->add_subcommand("list", "List an organisation's tokens (no secrets)");
  token_list->add_option("--org", o->org, "Organisation")->required();
  auto* token_revoke = token->add_subcommand("revoke", "Revoke a token at once");
  token_revoke->add_option("--org", o->org, "Organisation")->required();
  token_revoke->add_option("TOKEN_ID", o->token_id, "The token's id (before the dot)")->required();
  for (auto* c : {token_issue, token_list, token_revoke}) registry_option(c);

  auto* group = app.add_subcommand("group", "Sharing groups of organisations");
  group->require_subcommand(1);
  auto* group_create = group->add_subcommand("create", "Create a group owned by --org");
  auto* group_add = group->add_subcommand("add", "Add organisation --org to a group");
  auto* group_remove = group->add_subcommand("remove", "Remove organisation --org from a group");
  auto* group_list = group->add_subcommand("list", "List groups: name, owner, members");
  for (auto* c : {group_create, group_add, group_remove}) {
    c->add_option("--name", o->group, "Sharing group")->required();
    c->add_option("--org", o->org, "Organisation (owner for create)")->required();
  }
  group_list->add_option("--org", o->org, "Only groups this organisation belongs to");
  for (auto* c : {group_create, group_add, group_remove, group_list}) registry_option(c);

  runners.push_back([=, &global]() -> std::optional<int> {
    if (*org) return RunOrg(org_add, org_list, global, *o);
    if (*user) {
      return RunUser(user_add, user_list, user_disable, user_enable, user_role, global, *o);
    }
    if (*token) return RunToken(token_issue, token_revoke, global, *o);
    if (*group) return RunGroup(group_create, group_add, group_remove, group_list, global, *o);
    return std::nullopt;
  });
}

}  // namespace socmesh::cli
