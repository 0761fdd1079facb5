#include "identity/registry.hpp"

#include <openssl/crypto.h>

#include <chrono>
#include <filesystem>

#include "identity/detail/schema.hpp"
#include "identity/detail/token_secret.hpp"
#include "identity/names.hpp"
#include "sqlite/database.hpp"

namespace socmesh::identity {

using sqlite::Database;
using sqlite::ResetOnExit;
using sqlite::Statement;
using sqlite::Transaction;
using std::chrono::sys_seconds;

namespace {

constexpr std::chrono::milliseconds kBusyTimeout{10000};

sys_seconds SystemNow() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

sys_seconds Seconds(int64_t t) { return sys_seconds(std::chrono::seconds(t)); }
int64_t Unix(sys_seconds t) { return t.time_since_epoch().count(); }

// Roles are stored by name; a value this build does not know (a newer socmesh wrote it) must not
// grant anything: it reads as reader for people and is refused for tokens (see VerifyToken).
Role StoredRole(const std::string& name) { return ParseRole(name).value_or(Role::kReader); }

Organisation ReadOrganisation(const Statement& s) {
  return {s.ColumnString(0), s.ColumnString(1), StoredRole(s.ColumnString(2)),
          Seconds(s.ColumnInt(3))};
}

User ReadUser(const Statement& s) {
  return {s.ColumnString(0), s.ColumnString(1), StoredRole(s.ColumnString(2)), s.ColumnInt(3) != 0,
          Seconds(s.ColumnInt(4))};
}

TokenInfo ReadToken(const Statement& s) {
  TokenInfo t{s.ColumnString(0),
              s.ColumnString(1),
              s.ColumnString(2),
              StoredRole(s.ColumnString(3)),
              Seconds(s.ColumnInt(4)),
              Seconds(s.ColumnInt(5)),
              std::nullopt};
  if (!s.ColumnIsNull(6)) t.revoked = Seconds(s.ColumnInt(6));
  return t;
}

constexpr char kOrganisationColumns[] =
    "SELECT name, country, default_role, created FROM organisations ";
constexpr char kUserColumns[] = "SELECT organisation, name, role, disabled, created FROM users ";
constexpr char kTokenColumns[] =
    "SELECT id, organisation, user, role, created, expires, revoked FROM tokens ";

}  // namespace

struct Registry::Impl {
  std::mutex mutex;
  Database db;
  Clock clock;
  bool read_only = false;
  Statement find_token;
  Statement find_user;
  Statement find_organisation;
  Statement groups_of;

  sys_seconds Now() const { return clock ? clock() : SystemNow(); }

  Result<void> Writable() const {
    if (read_only) return Fail(ErrorCode::kInvalidArgument, "the identity registry is read-only");
    return {};
  }

  Result<std::optional<Organisation>> FindOrganisation(std::string_view name) {
    ResetOnExit reset(find_organisation);
    find_organisation.BindText(1, name);
    auto row = find_organisation.Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<Organisation>();
    return ReadOrganisation(find_organisation);
  }

  Result<User> GetUser(std::string_view organisation, std::string_view name) {
    ResetOnExit reset(find_user);
    find_user.BindText(1, organisation).BindText(2, name);
    auto row = find_user.Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      return Fail(ErrorCode::kNotFound, "no user \"" + std::string(name) + "\" in organisation \"" +
                                            std::string(organisation) + "\"");
    }
    return ReadUser(find_user);
  }

  Result<void> RequireOrganisation(std::string_view name) {
    auto found = FindOrganisation(name);
    if (!found) return std::unexpected(found.error());
    if (!*found) {
      return Fail(ErrorCode::kNotFound,
                  "organisation \"" + std::string(name) + "\" is not registered");
    }
    return {};
  }

  // Runs a statement that changes rows; returns how many changed.
  Result<int> Change(std::string_view sql, const std::function<void(Statement&)>& bind) {
    if (auto w = Writable(); !w) return std::unexpected(w.error());
    auto stmt = Statement::Prepare(db, sql);
    if (!stmt) return std::unexpected(stmt.error());
    bind(*stmt);
    auto done = stmt->Step();
    if (!done) return std::unexpected(done.error());
    return sqlite3_changes(db.get());
  }

  template <typename T, typename Reader>
  Result<std::vector<T>> Query(std::string_view sql, const std::function<void(Statement&)>& bind,
                               Reader read) {
    auto stmt = Statement::Prepare(db, sql);
    if (!stmt) return std::unexpected(stmt.error());
    bind(*stmt);
    std::vector<T> out;
    while (true) {
      auto row = stmt->Step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      out.push_back(read(*stmt));
    }
    return out;
  }

  Result<SharingGroup> GetGroup(std::string_view name) {
    auto groups = Query<SharingGroup>(
        "SELECT name, owner, created FROM sharing_groups WHERE name = ?",
        [&](Statement& s) { s.BindText(1, name); },
        [](const Statement& s) {
          return SharingGroup{s.ColumnString(0), s.ColumnString(1), {}, Seconds(s.ColumnInt(2))};
        });
    if (!groups) return std::unexpected(groups.error());
    if (groups->empty()) {
      return Fail(ErrorCode::kNotFound, "no sharing group \"" + std::string(name) + "\"");
    }
    SharingGroup g = std::move(groups->front());
    auto members = Query<std::string>(
        "SELECT organisation FROM sharing_group_members WHERE group_name = ? ORDER BY organisation",
        [&](Statement& s) { s.BindText(1, name); },
        [](const Statement& s) { return s.ColumnString(0); });
    if (!members) return std::unexpected(members.error());
    g.members = std::move(*members);
    return g;
  }
};

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::Open(RegistryOptions options) {
  const bool memory = options.path == ":memory:";
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (!options.read_only && options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  std::error_code ec;
  if (options.path.empty()) return Fail(ErrorCode::kInvalidArgument, "empty registry path");
  if (!memory && !(flags & SQLITE_OPEN_CREATE) && !std::filesystem::exists(options.path, ec)) {
    return Fail(ErrorCode::kNotFound, "no identity registry at " + options.path);
  }
  if (!memory && (flags & SQLITE_OPEN_CREATE)) {
    auto parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  // Duplicate names are constraint violations: kConflict, which callers turn into a message.
  auto db = Database::Open(options.path, flags,
                           sqlite::Wording{.subject = "identity registry",
                                           .step_context = "identity registry",
                                           .constraint_is_conflict = true});
  if (!db) return std::unexpected(db.error());
  std::string pragmas = "PRAGMA busy_timeout = " + std::to_string(kBusyTimeout.count()) +
                        "; PRAGMA foreign_keys = ON;";
  // Administrative changes are rare and must not be lost: FULL costs one fsync per change.
  pragmas += options.read_only ? "PRAGMA query_only = ON;" : "PRAGMA synchronous = FULL;";
  if (auto r = db->Exec(pragmas, "configure identity registry"); !r) {
    return std::unexpected(r.error().WithContext(options.path));
  }
  if (auto probe = db->QueryInt("PRAGMA schema_version", "read identity registry"); !probe) {
    return std::unexpected(probe.error().WithContext(options.path));
  }
  if (!options.read_only) {
    if (auto r = sqlite::EnableWal(*db, kBusyTimeout); !r)
      return std::unexpected(r.error().WithContext(options.path));
  }
  if (auto schema = detail::MigrateRegistry(*db, options.read_only); !schema) {
    return std::unexpected(schema.error().WithContext(options.path));
  }
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->clock = std::move(options.clock);
  impl->read_only = options.read_only;
  struct Prepared {
    Statement* target;
    std::string sql;
  };
  const Prepared prepared[] = {
      {&impl->find_token,
       "SELECT t.organisation, t.user, t.role, t.salt, t.hash, t.expires, t.revoked, u.role, "
       "u.disabled FROM tokens t JOIN users u ON u.organisation = t.organisation AND u.name = "
       "t.user WHERE t.id = ?"},
      {&impl->find_user, std::string(kUserColumns) + "WHERE organisation = ? AND name = ?"},
      {&impl->find_organisation, std::string(kOrganisationColumns) + "WHERE name = ?"},
      {&impl->groups_of,
       "SELECT group_name FROM sharing_group_members WHERE organisation = ? ORDER BY group_name"},
  };
  for (const auto& p : prepared) {
    auto stmt = Statement::Prepare(impl->db, p.sql);
    if (!stmt) return std::unexpected(stmt.error().WithContext(options.path));
    *p.target = std::move(*stmt);
  }
  return std::unique_ptr<Registry>(new Registry(std::move(impl)));
}

// --- organisations ---

Result<Organisation> Registry::AddOrganisation(std::string_view name, std::string_view country,
                                               Role default_role) {
  if (auto ok = ValidateOrganisationName(name); !ok) return std::unexpected(ok.error());
  if (auto ok = ValidateCountry(country); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(impl_->mutex);
  const Organisation org{std::string(name), std::string(country), default_role, impl_->Now()};
  auto changed = impl_->Change(
      "INSERT INTO organisations (name, country, default_role, created) VALUES (?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindText(1, org.name).BindText(2, org.country).BindText(3, RoleName(default_role));
        s.BindInt(4, Unix(org.created));
      });
  if (!changed) {
    if (changed.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict,
                  "organisation \"" + org.name + "\" is already registered (names ignore case)");
    }
    return std::unexpected(changed.error());
  }
  return org;
}

Result<Organisation> Registry::SetOrganisationRole(std::string_view name, Role default_role) {
  std::lock_guard lock(impl_->mutex);
  auto changed =
      impl_->Change("UPDATE organisations SET default_role = ? WHERE name = ?",
                    [&](Statement& s) { s.BindText(1, RoleName(default_role)).BindText(2, name); });
  if (!changed) return std::unexpected(changed.error());
  auto org = impl_->FindOrganisation(name);
  if (!org) return std::unexpected(org.error());
  if (!*org) {
    return Fail(ErrorCode::kNotFound,
                "organisation \"" + std::string(name) + "\" is not registered");
  }
  return **org;
}

Result<std::optional<Organisation>> Registry::FindOrganisation(std::string_view name) {
  std::lock_guard lock(impl_->mutex);
  return impl_->FindOrganisation(name);
}

Result<std::vector<Organisation>> Registry::ListOrganisations() {
  std::lock_guard lock(impl_->mutex);
  return impl_->Query<Organisation>(
      std::string(kOrganisationColumns) + "ORDER BY name", [](Statement&) {}, ReadOrganisation);
}

// --- users ---

Result<User> Registry::AddUser(std::string_view organisation, std::string_view name, Role role) {
  if (auto ok = ValidateUserName(name); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(impl_->mutex);
  if (auto ok = impl_->RequireOrganisation(organisation); !ok) return std::unexpected(ok.error());
  const User user{std::string(organisation), std::string(name), role, false, impl_->Now()};
  auto changed = impl_->Change(
      "INSERT INTO users (organisation, name, role, disabled, created) VALUES (?, ?, ?, 0, ?)",
      [&](Statement& s) {
        s.BindText(1, user.organisation).BindText(2, user.name).BindText(3, RoleName(role));
        s.BindInt(4, Unix(user.created));
      });
  if (!changed) {
    if (changed.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict,
                  "user \"" + user.name + "\" already exists in \"" + user.organisation + "\"");
    }
    return std::unexpected(changed.error());
  }
  return user;
}

Result<User> Registry::SetUserRole(std::string_view organisation, std::string_view name,
                                   Role role) {
  std::lock_guard lock(impl_->mutex);
  auto changed = impl_->Change(
      "UPDATE users SET role = ? WHERE organisation = ? AND name = ?", [&](Statement& s) {
        s.BindText(1, RoleName(role)).BindText(2, organisation).BindText(3, name);
      });
  if (!changed) return std::unexpected(changed.error());
  return impl_->GetUser(organisation, name);
}

Result<User> Registry::SetUserDisabled(std::string_view organisation, std::string_view name,
                                       bool disabled) {
  std::lock_guard lock(impl_->mutex);
  auto changed = impl_->Change(
      "UPDATE users SET disabled = ? WHERE organisation = ? AND name = ?", [&](Statement& s) {
        s.BindInt(1, disabled ? 1 : 0).BindText(2, organisation).BindText(3, name);
      });
  if (!changed) return std::unexpected(changed.error());
  return impl_->GetUser(organisation, name);
}

Result<User> Registry::GetUser(std::string_view organisation, std::string_view name) {
  std::lock_guard lock(impl_->mutex);
  return impl_->GetUser(organisation, name);
}

Result<std::vector<User>> Registry::ListUsers(std::string_view organisation) {
  std::lock_guard lock(impl_->mutex);
  if (organisation.empty()) {
    return impl_->Query<User>(
        std::string(kUserColumns) + "ORDER BY organisation, name", [](Statement&) {}, ReadUser);
  }
  return impl_->Query<User>(
      std::string(kUserColumns) + "WHERE organisation = ? ORDER BY name",
      [&](Statement& s) { s.BindText(1, organisation); }, ReadUser);
}

// --- API tokens ---

Result<IssuedToken> Registry::IssueToken(std::string_view organisation, std::string_view user,
                                         std::optional<Role> role,
                                         std::optional<std::chrono::seconds> lifetime) {
  const std::chrono::seconds life = lifetime.value_or(kDefaultTokenLifetime);
  if (auto ok = ValidateLifetime(life); !ok) return std::unexpected(ok.error());
  auto fresh = detail::MakeToken();
  if (!fresh) return std::unexpected(fresh.error());
  const detail::SecretHash hash = detail::HashSecret(fresh->salt, fresh->secret);
  std::lock_guard lock(impl_->mutex);
  if (auto w = impl_->Writable(); !w) return std::unexpected(w.error());
  auto holder = impl_->GetUser(organisation, user);
  if (!holder) return std::unexpected(holder.error());
  if (holder->disabled) {
    return Fail(ErrorCode::kConflict, "user \"" + holder->name + "\" is disabled");
  }
  const Role granted = role.value_or(holder->role);
  if (!RoleCovers(holder->role, granted)) {
    return Fail(ErrorCode::kInvalidArgument,
                "role: a token of " + holder->name + " (" + std::string(RoleName(holder->role)) +
                    ") cannot act as " + std::string(RoleName(granted)));
  }
  IssuedToken issued;
  issued.info = {fresh->id, holder->organisation, holder->name, granted, impl_->Now(), {}, {}};
  issued.info.expires = issued.info.created + life;
  auto changed = impl_->Change(
      "INSERT INTO tokens (id, organisation, user, role, salt, hash, created, expires) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [&](Statement& s) {
        s.BindText(1, issued.info.id)
            .BindText(2, issued.info.organisation)
            .BindText(3, issued.info.user);
        s.BindText(4, RoleName(granted)).BindBlob(5, fresh->salt).BindBlob(6, hash);
        s.BindInt(7, Unix(issued.info.created)).BindInt(8, Unix(issued.info.expires));
      });
  if (!changed) return std::unexpected(changed.error());
  issued.token = fresh->id + "." + fresh->secret;
  return issued;
}

Result<TokenInfo> Registry::RevokeToken(std::string_view organisation, std::string_view token_id) {
  std::lock_guard lock(impl_->mutex);
  auto changed = impl_->Change(
      "UPDATE tokens SET revoked = coalesce(revoked, ?) WHERE id = ? AND organisation = ?",
      [&](Statement& s) {
        s.BindInt(1, Unix(impl_->Now())).BindText(2, token_id).BindText(3, organisation);
      });
  if (!changed) return std::unexpected(changed.error());
  auto found = impl_->Query<TokenInfo>(
      std::string(kTokenColumns) + "WHERE id = ? AND organisation = ?",
      [&](Statement& s) { s.BindText(1, token_id).BindText(2, organisation); }, ReadToken);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) {
    return Fail(ErrorCode::kNotFound,
                "no token of organisation \"" + std::string(organisation) + "\" with that id");
  }
  return found->front();
}

Result<std::vector<TokenInfo>> Registry::ListTokens(std::string_view organisation) {
  std::lock_guard lock(impl_->mutex);
  return impl_->Query<TokenInfo>(
      std::string(kTokenColumns) + "WHERE organisation = ? ORDER BY created DESC, id",
      [&](Statement& s) { s.BindText(1, organisation); }, ReadToken);
}

Result<TokenHolder> Registry::VerifyToken(std::string_view token) {
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || !detail::WellFormedTokenId(token.substr(0, dot))) {
    return Fail(ErrorCode::kPermission, "malformed API token");
  }
  const std::string_view id = token.substr(0, dot);
  const std::string_view secret = token.substr(dot + 1);
  std::lock_guard lock(impl_->mutex);
  Statement& s = impl_->find_token;
  ResetOnExit reset(s);
  s.BindText(1, id);
  auto row = s.Step();
  if (!row) return std::unexpected(row.error());
  // Hash for unknown ids too, so that timing does not tell which ids exist.
  static const detail::Salt kDummySalt{};
  detail::Salt salt = kDummySalt;
  detail::SecretHash stored{};
  bool usable = *row && s.ColumnBlob(3).size() == salt.size() && s.ColumnBlob(4).size() == 32;
  if (usable) {
    std::ranges::copy(s.ColumnBlob(3), salt.begin());
    std::ranges::copy(s.ColumnBlob(4), stored.begin());
  }
  const detail::SecretHash presented = detail::HashSecret(salt, secret);
  const bool match = CRYPTO_memcmp(presented.data(), stored.data(), stored.size()) == 0;
  if (!usable || !match) return Fail(ErrorCode::kPermission, "unknown or wrong API token");
  // The secret is right: from here on, saying why the token no longer works reveals nothing.
  TokenHolder holder{std::string(id), s.ColumnString(0), s.ColumnString(1), Role::kReader};
  if (!s.ColumnIsNull(6)) return Fail(ErrorCode::kPermission, "API token revoked");
  if (impl_->Now() >= Seconds(s.ColumnInt(5))) {
    return Fail(ErrorCode::kPermission, "API token expired");
  }
  if (s.ColumnInt(8) != 0) {
    return Fail(ErrorCode::kPermission, "user \"" + holder.user + "\" is disabled");
  }
  const auto token_role = ParseRole(s.ColumnString(2));
  const auto user_role = ParseRole(s.ColumnString(7));
  if (!token_role || !user_role || !RoleCovers(*user_role, *token_role)) {
    return Fail(ErrorCode::kPermission,
                "API token's role is no longer held by user \"" + holder.user + "\"");
  }
  holder.role = *token_role;
  return holder;
}

// --- sharing groups ---

Result<SharingGroup> Registry::CreateGroup(std::string_view name, std::string_view owner) {
  if (auto ok = ValidateGroupName(name); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(impl_->mutex);
  if (auto w = impl_->Writable(); !w) return std::unexpected(w.error());
  if (auto ok = impl_->RequireOrganisation(owner); !ok) return std::unexpected(ok.error());
  auto tx = Transaction::Begin(impl_->db);
  if (!tx) return std::unexpected(tx.error());
  const int64_t now = Unix(impl_->Now());
  auto created =
      impl_->Change("INSERT INTO sharing_groups (name, owner, created) VALUES (?, ?, ?)",
                    [&](Statement& s) { s.BindText(1, name).BindText(2, owner).BindInt(3, now); });
  if (!created) {
    if (created.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict, "sharing group \"" + std::string(name) + "\" exists");
    }
    return std::unexpected(created.error());
  }
  auto member = impl_->Change(
      "INSERT INTO sharing_group_members (group_name, organisation, added) VALUES (?, ?, ?)",
      [&](Statement& s) { s.BindText(1, name).BindText(2, owner).BindInt(3, now); });
  if (!member) return std::unexpected(member.error());
  if (auto c = tx->Commit(); !c) return std::unexpected(c.error());
  return impl_->GetGroup(name);
}

Result<bool> Registry::AddGroupMember(std::string_view group, std::string_view organisation) {
  std::lock_guard lock(impl_->mutex);
  if (auto g = impl_->GetGroup(group); !g) return std::unexpected(g.error());
  if (auto ok = impl_->RequireOrganisation(organisation); !ok) return std::unexpected(ok.error());
  auto added = impl_->Change(
      "INSERT INTO sharing_group_members (group_name, organisation, added) VALUES (?, ?, ?) "
      "ON CONFLICT DO NOTHING",
      [&](Statement& s) {
        s.BindText(1, group).BindText(2, organisation).BindInt(3, Unix(impl_->Now()));
      });
  if (!added) return std::unexpected(added.error());
  return *added == 1;
}

Result<void> Registry::RemoveGroupMember(std::string_view group, std::string_view organisation) {
  std::lock_guard lock(impl_->mutex);
  auto g = impl_->GetGroup(group);
  if (!g) return std::unexpected(g.error());
  if (g->owner == organisation) {
    return Fail(ErrorCode::kConflict, "the owner \"" + g->owner + "\" cannot leave its group");
  }
  auto removed =
      impl_->Change("DELETE FROM sharing_group_members WHERE group_name = ? AND organisation = ?",
                    [&](Statement& s) { s.BindText(1, group).BindText(2, organisation); });
  if (!removed) return std::unexpected(removed.error());
  if (*removed == 0) {
    return Fail(ErrorCode::kNotFound, "\"" + std::string(organisation) +
                                          "\" is not a member of \"" + std::string(group) + "\"");
  }
  return {};
}

Result<SharingGroup> Registry::GetGroup(std::string_view name) {
  std::lock_guard lock(impl_->mutex);
  return impl_->GetGroup(name);
}

Result<std::vector<SharingGroup>> Registry::ListGroups(std::optional<std::string_view> member) {
  std::lock_guard lock(impl_->mutex);
  std::string sql = "SELECT name FROM sharing_groups ";
  if (member) {
    sql += "WHERE name IN (SELECT group_name FROM sharing_group_members WHERE organisation = ?) ";
  }
  sql += "ORDER BY name";
  auto names = impl_->Query<std::string>(
      sql,
      [&](Statement& s) {
        if (member) s.BindText(1, *member);
      },
      [](const Statement& s) { return s.ColumnString(0); });
  if (!names) return std::unexpected(names.error());
  std::vector<SharingGroup> out;
  for (const auto& name : *names) {
    auto g = impl_->GetGroup(name);
    if (!g) return std::unexpected(g.error());
    out.push_back(std::move(*g));
  }
  return out;
}

Result<std::vector<std::string>> Registry::GroupsOf(std::string_view organisation) {
  std::lock_guard lock(impl_->mutex);
  Statement& s = impl_->groups_of;
  ResetOnExit reset(s);
  s.BindText(1, organisation);
  std::vector<std::string> out;
  while (true) {
    auto row = s.Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(s.ColumnString(0));
  }
  return out;
}

}  // namespace socmesh::identity
