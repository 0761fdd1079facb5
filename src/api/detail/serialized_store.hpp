// Internal to api/: a Store whose calls are serialised by one mutex. The SQLite backend opens its
// connection without SQLite's own mutex (SQLITE_OPEN_NOMUTEX) and caches statements, so it must
// not be used from two handler threads at once. Recursive, because a Scan callback may call
// GetVersions on the same thread (TAXII match[version]=first).
#pragma once

#include <mutex>

#include "store/store.hpp"

namespace socmesh::api::detail {

class SerializedStore final : public store::Store {
 public:
  explicit SerializedStore(store::Store& inner) : inner_(inner) {}

  Result<store::IngestOutcome> Ingest(std::span<const model::StixObject> batch) override {
    std::lock_guard lock(mutex_);
    return inner_.Ingest(batch);
  }
  Result<std::vector<store::StoredVersion>> GetVersions(std::string_view id) override {
    std::lock_guard lock(mutex_);
    return inner_.GetVersions(id);
  }
  Result<store::StoredVersion> GetCurrent(std::string_view id) override {
    std::lock_guard lock(mutex_);
    return inner_.GetCurrent(id);
  }
  Result<void> Scan(const store::Query& query,
                    const std::function<bool(const store::StoredVersion&)>& visit) override {
    std::lock_guard lock(mutex_);
    return inner_.Scan(query, visit);
  }
  Result<store::StoreStats> Stats() override {
    std::lock_guard lock(mutex_);
    return inner_.Stats();
  }

 private:
  store::Store& inner_;
  std::recursive_mutex mutex_;
};

}  // namespace socmesh::api::detail
