// The embedded default store: SQLite in WAL mode. Use store::OpenStore; this header exists so tests
// and benchmarks can name the backend.
#pragma once

#include <memory>

#include "core/error.hpp"
#include "store/store.hpp"

namespace socmesh::store {

// Opens the SQLite store at `path` (see OpenStore for the options and errors).
// Thread-safety: one Store object must be used by one thread at a time; several processes may use
// the same file (SQLite locking; writers wait up to 10 s for each other).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const StoreOptions& options);

}  // namespace socmesh::store
