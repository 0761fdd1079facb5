#include "store/detail/migrations.hpp"

#include <array>
#include <string>

namespace socmesh::store::detail {

namespace {

// Migration N (1-based) takes the schema from version N-1 to N. Never edit a shipped migration:
// append a new one.
constexpr std::array<std::string_view, 1> kMigrations = {
    // 1: object versions and the observable index.
    R"sql(
CREATE TABLE object_versions (
  seq            INTEGER PRIMARY KEY,  -- insertion order (TAXII "added" order)
  id             TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  modified       INTEGER NOT NULL,     -- version key, microseconds since the epoch (UTC)
  created        INTEGER,
  added          INTEGER NOT NULL,     -- when this store received the version
  revoked        INTEGER NOT NULL,
  tlp            INTEGER,              -- model::Tlp, NULL when unmarked
  confidence     INTEGER,
  valid_until    INTEGER,
  created_by_ref TEXT,
  digest         BLOB    NOT NULL,     -- SHA-256 of json
  json           TEXT    NOT NULL,     -- RFC 8785 canonical form
  UNIQUE (id, modified)
);
CREATE INDEX object_versions_by_type ON object_versions (type, modified);
CREATE TABLE observables (
  kind  INTEGER NOT NULL,              -- model::ObservableKind
  value TEXT    NOT NULL,              -- normalised
  seq   INTEGER NOT NULL,              -- object_versions.seq
  PRIMARY KEY (kind, value, seq)
) WITHOUT ROWID;
)sql",
};

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Result<int> Migrate(Database& db, bool read_only) {
  auto version = db.QueryInt("PRAGMA user_version", "read schema version");
  if (!version) return std::unexpected(version.error());
  auto application = db.QueryInt("PRAGMA application_id", "read application id");
  if (!application) return std::unexpected(application.error());
  if (*application != kApplicationId) {
    auto tables = db.QueryInt("SELECT count(*) FROM sqlite_master", "inspect store");
    if (!tables) return std::unexpected(tables.error());
    if (*application != 0 || *tables != 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "this SQLite file is not a socmesh store (application_id " +
                      std::to_string(*application) + ")");
    }
  }
  if (*version > LatestSchemaVersion()) {
    return Fail(ErrorCode::kUnsupported,
                "the store has schema version " + std::to_string(*version) +
                    ", newer than this socmesh knows (" + std::to_string(LatestSchemaVersion()) +
                    "): upgrade socmesh");
  }
  if (*version == LatestSchemaVersion()) return static_cast<int>(*version);
  if (read_only) {
    return Fail(ErrorCode::kUnsupported,
                "the store has schema version " + std::to_string(*version) +
                    " and needs migrating; open it once for writing (e.g. socmesh ingest)");
  }
  for (int64_t v = *version; v < LatestSchemaVersion(); ++v) {
    auto tx = Transaction::Begin(db);
    if (!tx) return std::unexpected(tx.error());
    std::string step(kMigrations[static_cast<size_t>(v)]);
    step += "PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
    step += "PRAGMA user_version = " + std::to_string(v + 1) + ";";
    if (auto r = db.Exec(step, "migrate schema to version " + std::to_string(v + 1)); !r) {
      return std::unexpected(r.error());
    }
    if (auto r = tx->Commit(); !r) return std::unexpected(r.error());
  }
  return LatestSchemaVersion();
}

}  // namespace socmesh::store::detail
