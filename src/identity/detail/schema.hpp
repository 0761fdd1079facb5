// Internal to identity/: the versioned schema of the registry file.
#pragma once

#include "core/error.hpp"
#include "sqlite/database.hpp"

namespace socmesh::identity::detail {

// "SOCI": marks a SQLite file as a socmesh identity registry (PRAGMA application_id), distinct
// from a store ("SOCM"), so that --registry pointing at a store is refused, not modified.
inline constexpr int64_t kRegistryApplicationId = 0x534F4349;

int LatestRegistrySchema();

// Brings `db` to LatestRegistrySchema(), one migration per transaction (append-only list, like
// store/). Refuses (kUnsupported) a newer schema and (kInvalidArgument) a foreign SQLite file.
// With `read_only`, only checks that the schema is current.
Result<int> MigrateRegistry(sqlite::Database& db, bool read_only);

}  // namespace socmesh::identity::detail
