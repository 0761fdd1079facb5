#include "store/detail/migrations.hpp"

#include <array>
#include <string>

namespace socmesh::store::detail {

using sqlite::Database;
using sqlite::Transaction;

namespace {

// Migration N (1-based) takes the schema from version N-1 to N. Never edit a shipped migration:
// append a new one.
constexpr std::array<std::string_view, 2> kMigrations = {
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
-- Keyed (type, seq) through the implicit rowid: a type's versions come out in insertion order, so a
-- Scan by type streams without sorting, and inserts append at the end of each type's range. Measured
-- against (type, modified), whose random inserts cost 25 % of durable ingest throughput.
CREATE INDEX object_versions_by_type ON object_versions (type);
-- Few versions are revoked: Stats counts revoked objects from this index, not from every row.
CREATE INDEX object_versions_revoked ON object_versions (id, modified) WHERE revoked = 1;
CREATE TABLE observables (
  kind  INTEGER NOT NULL,              -- model::ObservableKind
  value TEXT    NOT NULL,              -- normalised
  seq   INTEGER NOT NULL,              -- object_versions.seq
  PRIMARY KEY (kind, value, seq)
) WITHOUT ROWID;
)sql",
    // 2: encryption at rest (B13). Unencrypted stores keep key_id NULL and no at_rest row.
    R"sql(
-- The data key json is sealed under; NULL: json is canonical JSON in clear.
ALTER TABLE object_versions ADD COLUMN key_id INTEGER;
CREATE TABLE at_rest (
  singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
  keyring    TEXT    NOT NULL,  -- crypto::AtRestKeyring document: wrapped keys only
  generation INTEGER NOT NULL,  -- +1 at every keyring change: other processes reload it
  write_key  INTEGER NOT NULL,  -- new rows use this data key: a stale keyring cannot write
  converting INTEGER NOT NULL   -- 1 while rows in clear remain (socmesh store encrypt)
);
)sql",
};

// The schema version of `db`, or why it cannot be used. Reads several values: call it inside a
// transaction, so that they come from one snapshot while another process creates the store.
Result<int64_t> InspectedVersion(Database& db) {
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
  return *version;
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Result<int> Migrate(Database& db, bool read_only) {
  {
    auto snapshot = Transaction::BeginRead(db);
    if (!snapshot) return std::unexpected(snapshot.error());
    auto version = InspectedVersion(db);
    if (!version) return std::unexpected(version.error());
    if (*version == LatestSchemaVersion()) return LatestSchemaVersion();
    if (read_only) {
      return Fail(ErrorCode::kUnsupported,
                  "the store has schema version " + std::to_string(*version) +
                      " and needs migrating; open it once for writing (e.g. socmesh ingest)");
    }
  }
  while (true) {
    auto tx = Transaction::Begin(db);
    if (!tx) return std::unexpected(tx.error());
    // Again under the write lock: another process may have migrated since the snapshot above.
    auto version = InspectedVersion(db);
    if (!version) return std::unexpected(version.error());
    const int64_t v = *version;
    if (v == LatestSchemaVersion()) break;
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
