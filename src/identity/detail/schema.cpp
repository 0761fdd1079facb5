#include "identity/detail/schema.hpp"

#include <array>
#include <optional>
#include <string>

namespace socmesh::identity::detail {

using sqlite::Database;
using sqlite::Transaction;

namespace {

// Migration N (1-based) takes the schema from version N-1 to N. Never edit a shipped migration:
// append a new one. Times are Unix seconds (UTC); roles are their names (identity/role.hpp), so
// that `sqlite3 registry.db` reads like the API.
constexpr std::array<std::string_view, 1> kMigrations = {
    // 1: organisations, users, API tokens, sharing groups.
    R"sql(
CREATE TABLE organisations (
  name         TEXT PRIMARY KEY,     -- exactly the certificates' subject O
  country      TEXT NOT NULL,        -- ISO 3166-1 alpha-2, must equal the certificates' C
  default_role TEXT NOT NULL,        -- role of callers with a certificate and no token
  created      INTEGER NOT NULL
);
-- Names differing only in case would be told apart by the policy but not by people reading logs.
CREATE UNIQUE INDEX organisations_folded ON organisations (name COLLATE NOCASE);
CREATE TABLE users (
  organisation TEXT NOT NULL REFERENCES organisations (name),
  name         TEXT NOT NULL,
  role         TEXT NOT NULL,
  disabled     INTEGER NOT NULL DEFAULT 0,
  created      INTEGER NOT NULL,
  PRIMARY KEY (organisation, name)
);
CREATE TABLE tokens (
  id           TEXT PRIMARY KEY,     -- public part of "<id>.<secret>"
  organisation TEXT NOT NULL,
  user         TEXT NOT NULL,
  role         TEXT NOT NULL,
  salt         BLOB NOT NULL,        -- 16 random bytes
  hash         BLOB NOT NULL,        -- HMAC-SHA256(key = salt, secret); the secret is never stored
  created      INTEGER NOT NULL,
  expires      INTEGER NOT NULL,
  revoked      INTEGER,              -- when, NULL while valid
  FOREIGN KEY (organisation, user) REFERENCES users (organisation, name)
);
CREATE INDEX tokens_by_organisation ON tokens (organisation, created);
CREATE TABLE sharing_groups (
  name    TEXT PRIMARY KEY,
  owner   TEXT NOT NULL REFERENCES organisations (name),
  created INTEGER NOT NULL
);
CREATE TABLE sharing_group_members (
  group_name   TEXT NOT NULL REFERENCES sharing_groups (name),
  organisation TEXT NOT NULL REFERENCES organisations (name),
  added        INTEGER NOT NULL,
  PRIMARY KEY (group_name, organisation)
) WITHOUT ROWID;
-- Every authenticated request asks which groups its organisation belongs to.
CREATE INDEX sharing_group_members_by_organisation ON sharing_group_members (organisation);
)sql",
};

Result<int64_t> InspectedVersion(Database& db) {
  auto version = db.QueryInt("PRAGMA user_version", "read registry schema version");
  if (!version) return std::unexpected(version.error());
  auto application = db.QueryInt("PRAGMA application_id", "read application id");
  if (!application) return std::unexpected(application.error());
  if (*application != kRegistryApplicationId) {
    auto tables = db.QueryInt("SELECT count(*) FROM sqlite_master", "inspect registry");
    if (!tables) return std::unexpected(tables.error());
    if (*application != 0 || *tables != 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "this SQLite file is not a socmesh identity registry (application_id " +
                      std::to_string(*application) + ")");
    }
  }
  if (*version > LatestRegistrySchema()) {
    return Fail(ErrorCode::kUnsupported,
                "the identity registry has schema version " + std::to_string(*version) +
                    ", newer than this socmesh knows (" + std::to_string(LatestRegistrySchema()) +
                    "): upgrade socmesh");
  }
  return *version;
}

}  // namespace

int LatestRegistrySchema() { return static_cast<int>(kMigrations.size()); }

Result<int> MigrateRegistry(Database& db, bool read_only) {
  while (true) {
    // Under the write lock (unless read-only): another process may be migrating the same file.
    std::optional<Transaction> tx;
    if (!read_only) {
      auto begun = Transaction::Begin(db);
      if (!begun) return std::unexpected(begun.error());
      tx.emplace(std::move(*begun));
    }
    auto version = InspectedVersion(db);
    if (!version) return std::unexpected(version.error());
    const int64_t v = *version;
    if (v == LatestRegistrySchema()) break;
    if (read_only) {
      return Fail(ErrorCode::kUnsupported, "the identity registry has schema version " +
                                               std::to_string(v) +
                                               " and needs migrating; open it once for writing");
    }
    std::string step(kMigrations[static_cast<size_t>(v)]);
    step += "PRAGMA application_id = " + std::to_string(kRegistryApplicationId) + ";";
    step += "PRAGMA user_version = " + std::to_string(v + 1) + ";";
    if (auto r = db.Exec(step, "migrate identity registry to version " + std::to_string(v + 1));
        !r) {
      return std::unexpected(r.error());
    }
    if (auto r = tx->Commit(); !r) return std::unexpected(r.error());
  }
  return LatestRegistrySchema();
}

}  // namespace socmesh::identity::detail
