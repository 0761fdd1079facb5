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
