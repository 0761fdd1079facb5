// The storage interface of socmesh, and the factory that opens a backend by location.
//
// Callers (CLI, API, federation, detect) use only this header. The embedded default is SQLite in
// WAL mode (store/sqlite_store.cpp); a PostgreSQL backend will implement the same interface.
//
// Model: every version (id, modified) of every object is kept; the current version of an object is
// its version with the greatest `modified`; an object is revoked when its current version says so.
// Re-ingesting a version that is already stored with the same content is a no-op; the same version
// with different content is a conflict and is refused (content never changes under a version).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/key.hpp"
#include "model/observable.hpp"
#include "model/stix_object.hpp"

namespace socmesh::store {

enum class Durability {
  kFull,    // every committed batch survives power loss (fsync per commit)
  kNormal,  // survives a process crash; the last batches may be lost on power loss
};

struct StoreOptions {
  // "sqlite:/path/to/store.db", or a plain path (SQLite). "postgresql://…" is reserved.
  std::string location;
  bool read_only = false;
  bool create_if_missing = true;
  Durability durability = Durability::kFull;
  // Encryption at rest (B13; docs/architecture.md, "Encryption at rest"). The key (P-256, file or
  // token) that wraps the store's keyring. A new store is created encrypted; an encrypted store
  // opened without it is refused (kPermission), with another key too (kVerification).
  std::shared_ptr<const crypto::Key> at_rest_key = nullptr;
  // With at_rest_key on a store that already holds objects in clear: false refuses to open
  // (kInvalidArgument), true starts encrypting it — Reencrypt converts the rows in clear.
  bool encrypt_existing = false;
};

// One stored version as read back.
struct StoredVersion {
  int64_t seq = 0;  // insertion order, unique and increasing (TAXII "added" order)
  std::string id;
  std::string type;
  model::Timestamp modified;  // the version key (see model::StixObject::version)
  model::Timestamp added;     // when this store first received the version
  bool revoked = false;
  std::optional<model::Tlp> tlp;
  std::string json;  // canonical JSON
};

struct IngestRejection {
  size_t index = 0;  // position in the batch
  std::string id;
  Error error;  // kConflict: same (id, modified) stored with other content
};

struct IngestOutcome {
  size_t inserted = 0;   // new versions stored
  size_t unchanged = 0;  // versions already stored with identical content (no-ops)
  std::vector<IngestRejection> rejected;
};

// Filters for Scan. Empty fields do not filter.
struct Query {
  std::vector<std::string> ids;
  std::vector<std::string> types;
  std::optional<model::Timestamp> modified_from;  // inclusive
  std::optional<model::Timestamp> modified_to;    // inclusive
  std::optional<model::Timestamp> added_after;    // exclusive (TAXII added_after)
  std::optional<int64_t> after_seq;               // exclusive: seq > this (TAXII cursor)
  std::optional<model::Observable> observable;    // objects that carry this normalised observable
  bool all_versions = false;                      // false: current versions only
  bool include_revoked = true;
  size_t limit = 0;  // 0: no limit
};

// Filters for ScanByObservables. Empty fields do not filter.
struct ObservableLookup {
  std::vector<std::string> types;
  bool include_revoked = true;
};

struct StoreStats {
  int64_t object_versions = 0;  // stored versions
  int64_t objects = 0;          // distinct ids
  int64_t revoked_objects = 0;  // ids whose current version is revoked
  int64_t observables = 0;      // rows of the observable index
  std::vector<std::pair<std::string, int64_t>> objects_by_type;  // distinct ids per type, by type
  int schema_version = 0;
  std::string backend;     // "sqlite"
  std::string location;    // file path
  bool encrypted = false;  // bodies sealed at rest (B13)
};

// The state of at-rest encryption of a store (socmesh store status).
struct AtRestStatus {
  bool encrypted = false;
  bool converting = false;  // rows in clear remain: Reencrypt has not finished `store encrypt`
  std::string keyring_id;
  std::string wrapping_key;            // file path or PKCS#11 URI (never a PIN)
  uint32_t current_key = 0;            // data key of new writes
  std::vector<uint32_t> keyring_keys;  // data keys the keyring holds
  // Stored versions per data key; key 0 counts the rows in clear.
  std::vector<std::pair<uint32_t, int64_t>> rows_by_key;
};

struct ReencryptProgress {
  int64_t rewritten = 0;  // rows rewritten by this call so far
  bool done = false;      // no row is left in clear or under a data key other than the current
};

struct ReencryptOptions {
  size_t batch_rows = 1000;  // rows per transaction
  size_t max_batches = 0;    // stop after this many batches (0: until done)
  // Called after each committed batch; returning false stops the pass (it resumes later).
  std::function<bool(const ReencryptProgress&)> progress;
};

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores a batch in one transaction: all new versions and their observables become visible
  // together or not at all. Per-object problems (conflicts) are returned in `rejected`, the rest is
  // stored. Returns an Error (and stores nothing) only when the engine fails.
  virtual Result<IngestOutcome> Ingest(std::span<const model::StixObject> batch) = 0;

  // All stored versions of `id`, oldest first; empty when unknown.
  virtual Result<std::vector<StoredVersion>> GetVersions(std::string_view id) = 0;

  // The current version of `id`; kNotFound when unknown.
  virtual Result<StoredVersion> GetCurrent(std::string_view id) = 0;

  // Calls `visit` for each version matching `query`, in insertion order (seq ascending); stops
  // early when `visit` returns false. Objects are streamed: memory does not grow with the result
  // size.
  virtual Result<void> Scan(const Query& query,
                            const std::function<bool(const StoredVersion&)>& visit) = 0;

  // The current versions of the objects that carry any of `observables` (normalised), looked up
  // together: what ingest-time curation asks for a whole batch, where one Scan per observable
  // costs a query each. Calls `visit(i, version)` once per pair (observables[i], current version
  // carrying it): grouped by i in ascending order, each group in insertion order (seq); an object
  // carrying several of the observables is visited once for each. Stops early when `visit` returns
  // false; `visit` may move from the version it is given (it is not used again). In an encrypted
  // store the values are looked up through their blind index. `visit` must not write to the store.
  // The default runs one Scan per observable; the SQLite backend overrides it with one statement
  // per chunk of values, all read from one snapshot.
  virtual Result<void> ScanByObservables(std::span<const model::Observable> observables,
                                         const ObservableLookup& lookup,
                                         const std::function<bool(size_t, StoredVersion&)>& visit);

  virtual Result<StoreStats> Stats() = 0;

  // --- Encryption at rest (B13). Backends without it answer kUnsupported. ---

  virtual Result<AtRestStatus> GetAtRestStatus() { return NoAtRest(); }
  // A new data key becomes current for every writer (writers holding the old keyring reload it);
  // rows under older keys stay readable. Returns the new key id.
  virtual Result<uint32_t> RotateDataKey() { return NoAtRest(); }
  // Rewrites rows in clear or under an old data key under the current key, in batches of one
  // transaction each: a crash loses at most the batch in progress, and calling again resumes.
  virtual Result<ReencryptProgress> Reencrypt(const ReencryptOptions& /*options*/) {
    return NoAtRest();
  }
  // Removes from the keyring every data key no row uses any more (never the current one), in the
  // same transaction as the check. Returns the retired ids.
  virtual Result<std::vector<uint32_t>> RetireUnusedDataKeys() { return NoAtRest(); }
  // Wraps the keyring for `new_key` (e.g. a new token); the data keys do not change, so no row is
  // rewritten. Later opens need `new_key`.
  virtual Result<void> RewrapKeyring(std::shared_ptr<const crypto::Key> /*new_key*/) {
    return NoAtRest();
  }

 protected:
  static std::unexpected<Error> NoAtRest() {
    return Fail(ErrorCode::kUnsupported, "this store backend has no encryption at rest");
  }
  Store() = default;
};

// Opens (creating if allowed) the store at `options.location`, applying schema migrations.
// Errors: kInvalidArgument (unknown scheme), kIo / kStorage (cannot open), kUnsupported (the store
// was written by a newer socmesh whose schema this build does not know).
Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);

// The default location: $SOCMESH_STORE, else $XDG_DATA_HOME/socmesh/store.db, else
// ~/.local/share/socmesh/store.db.
std::string DefaultStoreLocation();

}  // namespace socmesh::store
