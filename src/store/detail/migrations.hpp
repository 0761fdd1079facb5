// Internal to store/: versioned schema of the SQLite store.
#pragma once

#include "core/error.hpp"
#include "sqlite/database.hpp"

namespace socmesh::store::detail {

// "SOCM": marks a SQLite file as a socmesh store (PRAGMA application_id).
inline constexpr int64_t kApplicationId = 0x534F434D;

// The schema version this build writes (PRAGMA user_version after all migrations).
int LatestSchemaVersion();

// Brings the schema of `db` to LatestSchemaVersion(), one migration per transaction. Refuses
// (kUnsupported) a store written by a newer socmesh, and (kInvalidArgument) a SQLite file that is
// not a socmesh store. With `read_only`, only checks that the schema is current.
Result<int> Migrate(sqlite::Database& db, bool read_only);

}  // namespace socmesh::store::detail
