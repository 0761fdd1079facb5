// Internal to store/: the SQLite backend's class, shared by sqlite_store.cpp (objects, queries)
// and sqlite_at_rest.cpp (encryption at rest: unlock, rotation, re-encryption, rewrap).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sqlite/database.hpp"
#include "store/detail/row_cipher.hpp"
#include "store/store.hpp"

namespace socmesh::store::detail {

// The connection wrappers are shared (sqlite/); the store's pragmas and schema stay here.
using sqlite::Database;
using sqlite::ResetOnExit;
using sqlite::Statement;
using sqlite::Transaction;

// "seq, id, type, modified, added, revoked, tlp, json, key_id": the columns Read() expects.
extern const char* const kVersionColumns;

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Create(const std::string& path, const StoreOptions& o);

  Result<IngestOutcome> Ingest(std::span<const model::StixObject> batch) override;
  Result<std::vector<StoredVersion>> GetVersions(std::string_view id) override;
  Result<StoredVersion> GetCurrent(std::string_view id) override;
  Result<void> Scan(const Query& query,
                    const std::function<bool(const StoredVersion&)>& visit) override;
  Result<void> ScanByObservables(std::span<const model::Observable> observables,
                                 const ObservableLookup& lookup,
                                 const std::function<bool(size_t, StoredVersion&)>& visit) override;
  Result<StoreStats> Stats() override;

  Result<AtRestStatus> GetAtRestStatus() override;
  Result<uint32_t> RotateDataKey() override;
  Result<ReencryptProgress> Reencrypt(const ReencryptOptions& options) override;
  Result<std::vector<uint32_t>> RetireUnusedDataKeys() override;
  Result<void> RewrapKeyring(std::shared_ptr<const crypto::Key> new_key) override;

 private:
  SqliteStore(Database db, std::string path, bool read_only, int schema)
      : db_(std::move(db)), path_(std::move(path)), read_only_(read_only), schema_(schema) {}
  Result<void> PrepareStatements();

  // Open time: unlocks the keyring of an encrypted store, or makes one for a new store.
  Result<void> SetUpAtRest(const StoreOptions& o);
  // Re-reads the at_rest row; reloads the keyring when another process changed it. Call inside
  // a transaction when the answer guards a write.
  Result<void> RefreshAtRest();
  // Writes the keyring document of cipher_ (generation + 1, write_key = current key).
  Result<void> SaveKeyring();
  Result<ReencryptProgress> ConvertRowsInClear(const ReencryptOptions& options,
                                               ReencryptProgress progress, size_t& batches);

  // One row selected with kVersionColumns. `known_id`: the id the caller looked up (empty: read it
  // from the decrypted body).
  Result<StoredVersion> Read(const Statement& s, std::string_view known_id);
  // The id as stored: the blind id in an encrypted store, else `id` itself.
  Result<std::string> StoredId(std::string_view id) const;
  Result<std::vector<StoredVersion>> VersionsOf(std::string_view stored_id, std::string_view id);
  Result<std::optional<StoredVersion>> CurrentOf(std::string_view stored_id, std::string_view id);
  // One chunk of ScanByObservables; `first` is the index of chunk[0] in the caller's span.
  Result<bool> ScanObservableChunk(std::span<const model::Observable> chunk, size_t first,
                                   const ObservableLookup& lookup,
                                   const std::function<bool(size_t, StoredVersion&)>& visit);

  Database db_;
  std::string path_;
  bool read_only_;
  int schema_;
  std::unique_ptr<RowCipher> cipher_;  // null: store in clear
  int64_t generation_ = 0;             // of the keyring held by cipher_
  bool converting_ = false;            // rows in clear remain (store encrypt in progress)
  Statement insert_version_;
  Statement insert_observable_;
  Statement find_digest_;
  Statement versions_of_;
  Statement current_of_;
  Statement at_rest_state_;
  // ScanByObservables statements by SQL text: a chunk's shape (rows, types) repeats from batch to
  // batch, and parsing a few hundred VALUES rows costs more than running them.
  std::unordered_map<std::string, Statement> lookup_statements_;
};

}  // namespace socmesh::store::detail
