#include "api/identity_rest.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "api/identity_requests.hpp"
#include "identity/names.hpp"
#include "identity/registry.hpp"
#include "model/canonical_json.hpp"

namespace socmesh::api {
namespace {

using identity::Registry;
using model::JsonWriter;

constexpr std::string_view kPrefix = "/api/v1/";
constexpr std::array<std::string_view, 6> kCollections = {"me",    "roles",  "organisations",
                                                          "users", "tokens", "groups"};

net::Response Json(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  // Token secrets travel in these bodies: no intermediary may keep a copy.
  r.headers.Set("Cache-Control", "no-store");
  r.body = std::move(body);
  return r;
}

net::Response JsonError(int status, std::string_view error, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").String(error).Key("message").String(message).EndObject();
  return Json(status, w.Take());
}

net::Response Forbidden(std::string_view message) { return JsonError(403, "forbidden", message); }
net::Response MethodNotAllowed(std::string_view allowed) {
  return JsonError(405, "method-not-allowed", std::string(allowed) + " only");
}

// The answer for a failure of the registry or of request validation.
net::Response Failed(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kParse:
    case ErrorCode::kTooLarge:
      return JsonError(400, "invalid-argument", e.message);
    case ErrorCode::kNotFound:
      return JsonError(404, "not-found", e.message);
    case ErrorCode::kConflict:
      return JsonError(409, "conflict", e.message);
    case ErrorCode::kPermission:
      return JsonError(403, "forbidden", e.message);
    default:
      return JsonError(500, std::string(ErrorCodeName(e.code)), e.message);
  }
}

void WriteOrganisation(JsonWriter& w, const identity::Organisation& o) {
  w.BeginObject().Key("name").String(o.name).Key("country").String(o.country);
  w.Key("role").String(RoleName(o.default_role));
  w.Key("created").String(identity::FormatUtc(o.created)).EndObject();
}

void WriteUser(JsonWriter& w, const identity::User& u) {
  w.BeginObject().Key("name").String(u.name).Key("organisation").String(u.organisation);
  w.Key("role").String(RoleName(u.role)).Key("disabled").Bool(u.disabled);
  w.Key("created").String(identity::FormatUtc(u.created)).EndObject();
}

void WriteToken(JsonWriter& w, const identity::TokenInfo& t) {
  w.BeginObject().Key("token_id").String(t.id).Key("user").String(t.user);
  w.Key("organisation").String(t.organisation).Key("role").String(RoleName(t.role));
  w.Key("created").String(identity::FormatUtc(t.created));
  w.Key("expires").String(identity::FormatUtc(t.expires)).Key("revoked");
  if (t.revoked) {
    w.String(identity::FormatUtc(*t.revoked));
  } else {
    w.Null();
  }
  w.EndObject();
}

void WriteGroup(JsonWriter& w, const identity::SharingGroup& g) {
  w.BeginObject().Key("name").String(g.name).Key("owner").String(g.owner);
  w.Key("members").BeginArray();
  for (const auto& m : g.members) w.String(m);
  w.EndArray().Key("created").String(identity::FormatUtc(g.created)).EndObject();
}

template <typename T>
net::Response One(int status, const T& value, void (*write)(JsonWriter&, const T&)) {
  JsonWriter w;
  write(w, value);
  return Json(status, w.Take());
}

template <typename T>
net::Response List(std::string_view key, const Result<std::vector<T>>& values,
                   void (*write)(JsonWriter&, const T&)) {
  if (!values) return Failed(values.error());
  JsonWriter w;
  w.BeginObject().Key(key).BeginArray();
  for (const auto& v : *values) write(w, v);
  w.EndArray().EndObject();
  return Json(200, w.Take());
}

// The path below /api/v1/, split at '/' and percent-decoded (organisation names have spaces).
std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  path.remove_prefix(kPrefix.size());
  while (!path.empty()) {
    const size_t slash = path.find('/');
    out.push_back(net::PercentDecode(path.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsAdmin(const Caller& c) { return c.role == Role::kAdmin; }
bool MayInspect(const Caller& c) { return c.role == Role::kAdmin || c.role == Role::kAuditor; }

struct Context {
  const net::Request& request;
  const Caller& caller;
  Authenticator& auth;
  Registry* registry;  // null without one
  const std::vector<std::string>& s;
};

net::Response Me(const Context& c) {
  if (c.request.method != "GET") return MethodNotAllowed("GET");
  JsonWriter w;
  w.BeginObject().Key("organisation").String(c.caller.organisation);
  w.Key("country").String(c.caller.country).Key("user");
  if (c.caller.user.empty()) {
    w.Null();
  } else {
    w.String(c.caller.user);
  }
  w.Key("role").String(RoleName(c.caller.role)).Key("sharing_groups").BeginArray();
  for (const auto& g : c.caller.sharing_groups) w.String(g);
  w.EndArray().Key("network_admin").Bool(c.auth.IsNetworkAdmin(c.caller)).EndObject();
  return Json(200, w.Take());
}

net::Response Roles(const Context& c) {
  if (c.request.method != "GET") return MethodNotAllowed("GET");
  JsonWriter w;
  w.BeginObject().Key("roles").BeginArray();
  for (Role r : identity::kAllRoles) {
    w.BeginObject().Key("name").String(RoleName(r));
    w.Key("description").String(identity::RoleDescription(r)).EndObject();
  }
  w.EndArray().EndObject();
  return Json(200, w.Take());
}

net::Response Organisations(const Context& c) {
  const std::string& method = c.request.method;
  if (c.s.size() == 1) {
    if (method == "GET") {
      return List<identity::Organisation>("organisations", c.registry->ListOrganisations(),
                                          WriteOrganisation);
    }
    if (method != "POST") return MethodNotAllowed("GET, POST");
    if (!c.auth.IsNetworkAdmin(c.caller)) {
      return Forbidden("registering organisations needs a network administrator");
    }
    auto body = ParseOrganisationRequest(c.request.body);
    if (!body) return Failed(body.error());
    auto org = c.registry->AddOrganisation(body->name, body->country, body->role);
    if (!org) return Failed(org.error());
    return One<identity::Organisation>(201, *org, WriteOrganisation);
  }
  if (c.s.size() != 2) return JsonError(404, "not-found", "no such endpoint");
  const std::string& name = c.s[1];
  if (method == "GET") {
    auto org = c.registry->FindOrganisation(name);
    if (!org) return Failed(org.error());
    if (!*org)
      return JsonError(404, "not-found", "organisation \"" + name + "\" is not registered");
    return One<identity::Organisation>(200, **org, WriteOrganisation);
  }
  if (method != "PATCH") return MethodNotAllowed("GET, PATCH");
  if (!c.auth.IsNetworkAdmin(c.caller)) {
    return Forbidden("an organisation's role is set by a network administrator");
  }
  auto role = ParseOrganisationUpdate(c.request.body);
  if (!role) return Failed(role.error());
  auto org = c.registry->SetOrganisationRole(name, *role);
  if (!org) return Failed(org.error());
  return One<identity::Organisation>(200, *org, WriteOrganisation);
}

// Users of the caller's own organisation: another organisation's users are not addressable.
net::Response Users(const Context& c) {
  const std::string& method = c.request.method;
  const std::string& org = c.caller.organisation;
  if (c.s.size() == 1) {
    if (method == "GET") {
      if (!MayInspect(c.caller)) return Forbidden("listing users needs the admin or auditor role");
      return List<identity::User>("users", c.registry->ListUsers(org), WriteUser);
    }
    if (method != "POST") return MethodNotAllowed("GET, POST");
    if (!IsAdmin(c.caller)) return Forbidden("creating users needs the admin role");
    auto body = ParseUserRequest(c.request.body);
    if (!body) return Failed(body.error());
    auto user = c.registry->AddUser(org, body->name, body->role);
    if (!user) return Failed(user.error());
    return One<identity::User>(201, *user, WriteUser);
  }
  if (c.s.size() != 2) return JsonError(404, "not-found", "no such endpoint");
  const std::string& name = c.s[1];
  if (method == "GET") {
    if (!MayInspect(c.caller)) return Forbidden("reading users needs the admin or auditor role");
    auto user = c.registry->GetUser(org, name);
    if (!user) return Failed(user.error());
    return One<identity::User>(200, *user, WriteUser);
  }
  if (method != "PATCH") return MethodNotAllowed("GET, PATCH");
  if (!IsAdmin(c.caller)) return Forbidden("changing users needs the admin role");
  auto update = ParseUserUpdate(c.request.body);
  if (!update) return Failed(update.error());
  // An admin acting through a token must not lock the organisation out by accident.
  if (name == c.caller.user &&
      (update->disabled.value_or(false) || update->role.value_or(Role::kAdmin) != Role::kAdmin)) {
    return JsonError(409, "conflict", "admins cannot disable or demote themselves");
  }
  Result<identity::User> user = c.registry->GetUser(org, name);
  if (user && update->role) user = c.registry->SetUserRole(org, name, *update->role);
  if (user && update->disabled) user = c.registry->SetUserDisabled(org, name, *update->disabled);
  if (!user) return Failed(user.error());
  return One<identity::User>(200, *user, WriteUser);
}

net::Response Tokens(const Context& c) {
  const std::string& method = c.request.method;
  const std::string& org = c.caller.organisation;
  if (c.s.size() == 2) {
    if (method != "DELETE") return MethodNotAllowed("DELETE");
    if (!IsAdmin(c.caller)) return Forbidden("revoking tokens needs the admin role");
    if (!c.auth.RevokeToken(c.s[1], org)) {
      return JsonError(404, "not-found", "no token of your organisation with that id");
    }
    JsonWriter w;
    w.BeginObject().Key("revoked").Bool(true).Key("token_id").String(c.s[1]).EndObject();
    return Json(200, w.Take());
  }
  if (c.s.size() != 1) return JsonError(404, "not-found", "no such endpoint");
  if (method == "GET") {
    if (c.registry == nullptr) {
      return JsonError(503, "unavailable", "this node has no identity registry");
    }
    if (!MayInspect(c.caller)) return Forbidden("listing tokens needs the admin or auditor role");
    return List<identity::TokenInfo>("tokens", c.registry->ListTokens(org), WriteToken);
  }
  if (method != "POST") return MethodNotAllowed("GET, POST");
  if (!IsAdmin(c.caller)) return Forbidden("tokens need the admin role");
  auto body = ParseTokenRequest(c.request.body);
  if (!body) return Failed(body.error());
  JsonWriter w;
  if (c.registry == nullptr) {
    // Ephemeral token (no registry): the role must be given.
    if (!body->role) return JsonError(400, "invalid-argument", "role: required");
    const std::string token = c.auth.IssueToken(body->user, org, *body->role);
    w.BeginObject().Key("token").String(token);
    w.Key("token_id").String(token.substr(0, token.find('.')));
    w.Key("user").String(body->user).Key("organisation").String(org);
    w.Key("role").String(RoleName(*body->role)).EndObject();
    return Json(201, w.Take());
  }
  auto issued = c.registry->IssueToken(org, body->user, body->role, body->expires_in);
  if (!issued) return Failed(issued.error());
  const auto& t = issued->info;
  w.BeginObject().Key("token").String(issued->token).Key("token_id").String(t.id);
  w.Key("user").String(t.user).Key("organisation").String(t.organisation);
  w.Key("role").String(RoleName(t.role)).Key("created").String(identity::FormatUtc(t.created));
  w.Key("expires").String(identity::FormatUtc(t.expires)).EndObject();
  return Json(201, w.Take());
}

bool IsMember(const identity::SharingGroup& g, const std::string& organisation) {
  return std::ranges::find(g.members, organisation) != g.members.end();
}

net::Response Groups(const Context& c) {
  const std::string& method = c.request.method;
  const std::string& org = c.caller.organisation;
  if (c.s.size() == 1) {
    if (method == "GET") {
      return List<identity::SharingGroup>("groups", c.registry->ListGroups(org), WriteGroup);
    }
    if (method != "POST") return MethodNotAllowed("GET, POST");
    if (!IsAdmin(c.caller)) return Forbidden("creating sharing groups needs the admin role");
    auto name = ParseGroupRequest(c.request.body);
    if (!name) return Failed(name.error());
    auto group = c.registry->CreateGroup(*name, org);
    if (!group) return Failed(group.error());
    return One<identity::SharingGroup>(201, *group, WriteGroup);
  }
  // Groups the caller's organisation is not in are not shown to exist.
  auto group = c.registry->GetGroup(c.s[1]);
  if (!group || !IsMember(*group, org)) {
    if (group || group.error().code == ErrorCode::kNotFound) {
      return JsonError(404, "not-found", "no sharing group \"" + c.s[1] + "\" of yours");
    }
    return Failed(group.error());
  }
  if (c.s.size() == 2) {
    if (method != "GET") return MethodNotAllowed("GET");
    return One<identity::SharingGroup>(200, *group, WriteGroup);
  }
  if (c.s.size() != 4 || c.s[2] != "members") {
    return JsonError(404, "not-found", "no such endpoint");
  }
  const std::string& member = c.s[3];
  if (!IsAdmin(c.caller)) return Forbidden("changing sharing groups needs the admin role");
  if (method == "PUT") {
    if (group->owner != org) return Forbidden("only the owner's admins add members");
    auto added = c.registry->AddGroupMember(group->name, member);
    if (!added) return Failed(added.error());
    auto now = c.registry->GetGroup(group->name);
    if (!now) return Failed(now.error());
    return One<identity::SharingGroup>(*added ? 201 : 200, *now, WriteGroup);
  }
  if (method != "DELETE") return MethodNotAllowed("PUT, DELETE");
  // The owner removes anyone; a member organisation's admins may leave.
  if (group->owner != org && member != org) {
    return Forbidden("only the owner's admins remove other members");
  }
  if (auto removed = c.registry->RemoveGroupMember(group->name, member); !removed) {
    return Failed(removed.error());
  }
  auto now = c.registry->GetGroup(group->name);
  if (!now) return Failed(now.error());
  return One<identity::SharingGroup>(200, *now, WriteGroup);
}

}  // namespace

bool IdentityRest::Handles(std::string_view path) {
  if (!path.starts_with(kPrefix)) return false;
  path.remove_prefix(kPrefix.size());
  const std::string_view first = path.substr(0, path.find('/'));
  return std::ranges::find(kCollections, first) != kCollections.end();
}

net::Response IdentityRest::Handle(const net::Request& request, const Caller& caller) {
  const std::vector<std::string> s = Segments(request.path());
  const std::shared_ptr<Registry> registry = auth_.registry();
  const Context c{request, caller, auth_, registry.get(), s};
  if (s.empty()) return JsonError(404, "not-found", "no such endpoint");
  if (s[0] == "me" || s[0] == "roles") {
    if (s.size() != 1) return JsonError(404, "not-found", "no such endpoint");
    return s[0] == "me" ? Me(c) : Roles(c);
  }
  if (s[0] == "tokens") return Tokens(c);
  if (registry == nullptr) {
    return JsonError(503, "unavailable", "this node has no identity registry");
  }
  if (s[0] == "organisations") return Organisations(c);
  if (s[0] == "users") return Users(c);
  return Groups(c);
}

}  // namespace socmesh::api
