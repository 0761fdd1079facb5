#include "store/store.hpp"

#include <cstdlib>
#include <filesystem>

#include "store/sqlite_store.hpp"

namespace socmesh::store {

std::string DefaultStoreLocation() {
  if (const char* env = std::getenv("SOCMESH_STORE"); env != nullptr && *env != '\0') return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/socmesh/store.db";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home != '\0' ? home : ".") +
         "/.local/share/socmesh/store.db";
}

Result<void> Store::ScanByObservables(std::span<const model::Observable> observables,
                                      const ObservableLookup& lookup,
                                      const std::function<bool(size_t, StoredVersion&)>& visit) {
  bool more = true;
  for (size_t i = 0; i < observables.size() && more; ++i) {
    Query q;
    q.observable = observables[i];
    q.types = lookup.types;
    q.include_revoked = lookup.include_revoked;
    auto scanned = Scan(q, [&](const StoredVersion& v) {
      StoredVersion copy = v;  // Scan lends its rows; visit may keep this one
      return more = visit(i, copy);
    });
    if (!scanned) return scanned;
  }
  return {};
}

Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  std::string location = options.location.empty() ? DefaultStoreLocation() : options.location;
  if (location.starts_with("postgresql://") || location.starts_with("postgres://")) {
    return Fail(ErrorCode::kUnsupported, "the PostgreSQL store backend is not available yet");
  }
  if (location.starts_with("sqlite:")) {
    location.erase(0, 7);
  } else if (auto scheme = location.find("://"); scheme != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "unknown store scheme in \"" + location + "\" (use sqlite:PATH or a file path)");
  }
  if (location.empty()) return Fail(ErrorCode::kInvalidArgument, "empty store location");
  if (!options.read_only && options.create_if_missing) {
    std::error_code ec;
    auto parent = std::filesystem::path(location).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Fail(ErrorCode::kIo,
                  "cannot create directory " + parent.string() + ": " + ec.message());
    }
  }
  return OpenSqliteStore(location, options);
}

}  // namespace socmesh::store
