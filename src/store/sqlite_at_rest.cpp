// Encryption at rest (B13) in the SQLite store: unlocking at open, data key rotation, the
// re-encryption pass, key retirement and rewrapping. The keyring lives in the store file itself
// (table at_rest), so every change to it commits atomically with the rows it concerns.
#include <algorithm>
#include <set>

#include "store/detail/sqlite_store_impl.hpp"

namespace socmesh::store::detail {

namespace {

struct AtRestRow {
  std::string keyring;
  int64_t generation = 0;
  int64_t write_key = 0;
  bool converting = false;
};

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<std::optional<AtRestRow>> ReadAtRestRow(Statement& s) {
  ResetOnExit reset(s);
  auto row = s.Step();
  if (!row) return std::unexpected(row.error().WithContext("read at-rest state"));
  if (!*row) return std::nullopt;
  return AtRestRow{std::string(s.ColumnText(0)), s.ColumnInt(1), s.ColumnInt(2),
                   s.ColumnInt(3) != 0};
}

std::optional<model::Tlp> ColumnTlp(const Statement& s, int column) {
  if (s.ColumnIsNull(column)) return std::nullopt;
  return static_cast<model::Tlp>(s.ColumnInt(column));
}

}  // namespace

Result<void> SqliteStore::SetUpAtRest(const StoreOptions& o) {
  auto state = ReadAtRestRow(at_rest_state_);
  if (!state) return std::unexpected(state.error());
  if (!*state) {
    if (!o.at_rest_key) return {};  // a store in clear, opened as one
    if (read_only_) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the store is not encrypted at rest (encrypt it with `socmesh store encrypt`)");
    }
    // ECDH (in the token for PKCS#11 keys) before the write lock, not under it.
    auto keyring = crypto::AtRestKeyring::Create(*o.at_rest_key);
    if (!keyring) return std::unexpected(keyring.error());
    auto tx = Transaction::Begin(db_);
    if (!tx) return std::unexpected(tx.error());
    auto again = ReadAtRestRow(at_rest_state_);  // another process may have been first
    if (!again) return std::unexpected(again.error());
    if (!*again) {
      auto in_clear = db_.QueryInt("SELECT EXISTS (SELECT 1 FROM object_versions)", "inspect");
      if (!in_clear) return std::unexpected(in_clear.error());
      if (*in_clear != 0 && !o.encrypt_existing) {
        return Fail(ErrorCode::kInvalidArgument,
                    "the store holds objects in clear; encrypt it with `socmesh store encrypt`");
      }
      auto insert =
          Statement::Prepare(db_,
                             "INSERT INTO at_rest (singleton, keyring, generation, write_key, "
                             "converting) VALUES (1, ?1, 1, ?2, ?3)");
      if (!insert) return std::unexpected(insert.error());
      insert->BindText(1, keyring->document())
          .BindInt(2, keyring->current_key())
          .BindInt(3, *in_clear);
      if (auto r = insert->Step(); !r) return std::unexpected(r.error());
      if (auto r = tx->Commit(); !r) return std::unexpected(r.error());
    }
    state = ReadAtRestRow(at_rest_state_);
    if (!state) return std::unexpected(state.error());
  }
  if (!o.at_rest_key) {
    return Fail(ErrorCode::kPermission,
                "the store is encrypted at rest: open it with the key that wraps its keyring "
                "(--store-key, docs/cli.md)");
  }
  auto keyring = crypto::AtRestKeyring::Unlock((*state)->keyring, *o.at_rest_key);
  if (!keyring) return std::unexpected(keyring.error());
  cipher_ = std::make_unique<RowCipher>(std::move(*keyring), o.at_rest_key);
  generation_ = (*state)->generation;
  converting_ = (*state)->converting;
  // Freed pages are zeroed: row versions and keyring documents that were replaced (re-encryption,
  // retired keys) do not linger in the file.
  if (auto r = db_.Exec("PRAGMA secure_delete = ON", "configure store"); !r) {
    return std::unexpected(r.error());
  }
  return {};
}

Result<void> SqliteStore::RefreshAtRest() {
  auto state = ReadAtRestRow(at_rest_state_);
  if (!state) return std::unexpected(state.error());
  if (!*state) {
    if (cipher_) return Fail(ErrorCode::kInternal, "the at-rest keyring disappeared");
    return {};
  }
  if (!cipher_) {
    return Fail(ErrorCode::kPermission,
                "the store was encrypted at rest since it was opened: reopen it with its key");
  }
  if ((*state)->generation != generation_) {
    if (auto r = cipher_->Reload((*state)->keyring); !r) return std::unexpected(r.error());
    generation_ = (*state)->generation;
  }
  converting_ = (*state)->converting;
  if (cipher_->keyring().current_key() < (*state)->write_key) {
    return Fail(ErrorCode::kInternal, "the keyring is older than the store's write key");
  }
  return {};
}

Result<void> SqliteStore::SaveKeyring() {
  auto update = Statement::Prepare(
      db_, "UPDATE at_rest SET keyring = ?1, generation = generation + 1, write_key = ?2");
  if (!update) return std::unexpected(update.error());
  update->BindText(1, cipher_->keyring().document()).BindInt(2, cipher_->keyring().current_key());
  if (auto r = update->Step(); !r) return std::unexpected(r.error());
  ++generation_;
  return {};
}

Result<AtRestStatus> SqliteStore::GetAtRestStatus() {
  AtRestStatus status;
  if (!cipher_) return status;
  if (auto r = RefreshAtRest(); !r) return std::unexpected(r.error().WithContext(path_));
  status.encrypted = true;
  status.converting = converting_;
  status.keyring_id = cipher_->keyring().keyring_id();
  status.wrapping_key = cipher_->keyring().wrapping_key_location();
  status.current_key = cipher_->keyring().current_key();
  status.keyring_keys = cipher_->keyring().key_ids();
  auto count =
      Statement::Prepare(db_,
                         "SELECT coalesce(key_id, 0), count(*) FROM object_versions GROUP BY 1 "
                         "ORDER BY 1");
  if (!count) return std::unexpected(count.error().WithContext(path_));
  while (true) {
    auto row = count->Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    if (!*row) break;
    status.rows_by_key.emplace_back(static_cast<uint32_t>(count->ColumnInt(0)),
                                    count->ColumnInt(1));
  }
  return status;
}

// Runs `change` on the keyring inside a write transaction and stores the result; on any failure
// the keyring in memory goes back to what the store holds.
template <typename Change>
static auto ChangeKeyring(RowCipher& cipher, Database& db, const std::string& path, Change change,
                          const std::function<Result<void>()>& refresh,
                          const std::function<Result<void>()>& save) -> decltype(change()) {
  auto tx = Transaction::Begin(db);
  if (!tx) return std::unexpected(tx.error().WithContext(path));
  if (auto r = refresh(); !r) return std::unexpected(r.error().WithContext(path));
  const std::string before = cipher.keyring().document();
  auto result = change();
  Result<void> stored;
  if (result) stored = save();
  if (result && stored) stored = tx->Commit();
  if (!result || !stored) {
    (void)cipher.Reload(before);  // the document in the store still opens with the old key
    return std::unexpected((result ? stored.error() : result.error()).WithContext(path));
  }
  return result;
}

Result<uint32_t> SqliteStore::RotateDataKey() {
  if (!cipher_) return Fail(ErrorCode::kInvalidArgument, path_ + ": not encrypted at rest");
  if (read_only_) return Fail(ErrorCode::kInvalidArgument, path_ + ": store is open read-only");
  const int64_t generation = generation_;
  auto r = ChangeKeyring(
      *cipher_, db_, path_, [&]() { return cipher_->keyring().Rotate(); },
      [&]() { return RefreshAtRest(); }, [&]() { return SaveKeyring(); });
  if (!r) generation_ = generation;
  return r;
}

Result<std::vector<uint32_t>> SqliteStore::RetireUnusedDataKeys() {
  if (!cipher_) return Fail(ErrorCode::kInvalidArgument, path_ + ": not encrypted at rest");
  if (read_only_) return Fail(ErrorCode::kInvalidArgument, path_ + ": store is open read-only");
  const int64_t generation = generation_;
  auto r = ChangeKeyring(
      *cipher_, db_, path_,
      [&]() -> Result<std::vector<uint32_t>> {
        // Checked under the write lock: no row can be written under an old key meanwhile.
        auto used_keys = Statement::Prepare(
            db_, "SELECT DISTINCT key_id FROM object_versions WHERE key_id IS NOT NULL");
        if (!used_keys) return std::unexpected(used_keys.error());
        std::set<uint32_t> used;
        while (true) {
          auto row = used_keys->Step();
          if (!row) return std::unexpected(row.error());
          if (!*row) break;
          used.insert(static_cast<uint32_t>(used_keys->ColumnInt(0)));
        }
        std::vector<uint32_t> retired;
        for (uint32_t id : cipher_->keyring().key_ids()) {
          if (id == cipher_->keyring().current_key() || used.contains(id)) continue;
          if (auto r = cipher_->keyring().Retire(id); !r) return std::unexpected(r.error());
          retired.push_back(id);
        }
        return retired;
      },
      [&]() { return RefreshAtRest(); }, [&]() { return SaveKeyring(); });
  if (!r) generation_ = generation;
  return r;
}

Result<void> SqliteStore::RewrapKeyring(std::shared_ptr<const crypto::Key> new_key) {
  if (!cipher_) return Fail(ErrorCode::kInvalidArgument, path_ + ": not encrypted at rest");
  if (read_only_) return Fail(ErrorCode::kInvalidArgument, path_ + ": store is open read-only");
  if (!new_key) return Fail(ErrorCode::kInvalidArgument, "no new wrapping key");
  const int64_t generation = generation_;
  auto r = ChangeKeyring(
      *cipher_, db_, path_, [&]() { return cipher_->keyring().Rewrap(*new_key); },
      [&]() { return RefreshAtRest(); }, [&]() { return SaveKeyring(); });
  if (!r) {
    generation_ = generation;
    return r;
  }
  cipher_->set_key(std::move(new_key));
  return {};
}

Result<ReencryptProgress> SqliteStore::Reencrypt(const ReencryptOptions& options) {
  if (!cipher_) return Fail(ErrorCode::kInvalidArgument, path_ + ": not encrypted at rest");
  if (read_only_) return Fail(ErrorCode::kInvalidArgument, path_ + ": store is open read-only");
  const int64_t batch_rows = static_cast<int64_t>(std::max<size_t>(options.batch_rows, 1));
  ReencryptProgress progress;
  size_t batches = 0;
  if (auto r = RefreshAtRest(); !r) return std::unexpected(r.error().WithContext(path_));
  if (converting_) {
    auto converted = ConvertRowsInClear(options, progress, batches);
    if (!converted || !converted->done) return converted;
    progress = *converted;
    progress.done = false;
  }
  auto select = Statement::Prepare(db_,
                                   "SELECT seq, id, type, modified, revoked, tlp, json, key_id "
                                   "FROM object_versions WHERE seq > ?1 AND key_id <> ?2 "
                                   "ORDER BY seq LIMIT ?3");
  auto update =
      Statement::Prepare(db_, "UPDATE object_versions SET json = ?1, key_id = ?2 WHERE seq = ?3");
  if (!select || !update) {
    return std::unexpected((!select ? select.error() : update.error()).WithContext(path_));
  }
  struct Rewrite {
    int64_t seq;
    std::string sealed;
  };
  int64_t cursor = 0;
  while (options.max_batches == 0 || batches < options.max_batches) {
    auto tx = Transaction::Begin(db_);
    if (!tx) return std::unexpected(tx.error().WithContext(path_));
    if (auto r = RefreshAtRest(); !r) return std::unexpected(r.error().WithContext(path_));
    const crypto::DataKeyId current = cipher_->keyring().current_key();
    std::vector<Rewrite> rewrites;
    {
      ResetOnExit reset(*select);
      select->BindInt(1, cursor).BindInt(2, current).BindInt(3, batch_rows);
      while (true) {
        auto row = select->Step();
        if (!row) return std::unexpected(row.error().WithContext(path_));
        if (!*row) break;
        const int64_t seq = select->ColumnInt(0);
        const std::string where = path_ + ": stored version " + std::to_string(seq);
        const RowBinding binding{select->ColumnText(1), select->ColumnText(2), select->ColumnInt(3),
                                 select->ColumnInt(4) != 0, ColumnTlp(*select, 5)};
        auto json = cipher_->Open(static_cast<crypto::DataKeyId>(select->ColumnInt(7)), binding,
                                  select->ColumnBlob(6));
        if (!json) return std::unexpected(json.error().WithContext(where));
        auto sealed = cipher_->Seal(binding, *json);
        if (!sealed) return std::unexpected(sealed.error().WithContext(where));
        rewrites.push_back({seq, std::move(*sealed)});
      }
    }
    if (rewrites.empty()) {
      progress.done = true;
      return progress;
    }
    for (const Rewrite& w : rewrites) {
      ResetOnExit reset(*update);
      update->BindBlob(1, AsBytes(w.sealed)).BindInt(2, current).BindInt(3, w.seq);
      if (auto r = update->Step(); !r) return std::unexpected(r.error().WithContext(path_));
    }
    if (auto r = tx->Commit(); !r) return std::unexpected(r.error().WithContext(path_));
    cursor = rewrites.back().seq;
    progress.rewritten += static_cast<int64_t>(rewrites.size());
    ++batches;
    if (options.progress && !options.progress(progress)) break;
  }
  return progress;
}

// `store encrypt` of a store that holds objects in clear: whole objects (every version of an id)
// per transaction, so that an object is always entirely in clear or entirely sealed and lookups
// during the conversion find it under exactly one of its two ids. Ingest waits until the end.
Result<ReencryptProgress> SqliteStore::ConvertRowsInClear(const ReencryptOptions& options,
                                                          ReencryptProgress progress,
                                                          size_t& batches) {
  auto ids =
      Statement::Prepare(db_,
                         "SELECT DISTINCT id FROM object_versions WHERE id > ?1 AND key_id IS NULL "
                         "ORDER BY id LIMIT ?2");
  auto versions =
      Statement::Prepare(db_,
                         "SELECT seq, type, modified, revoked, tlp, json FROM object_versions "
                         "WHERE id = ?1 AND key_id IS NULL");
  auto update =
      Statement::Prepare(db_,
                         "UPDATE object_versions SET id = ?1, digest = ?2, json = ?3, key_id = ?4, "
                         "created = NULL, confidence = NULL, valid_until = NULL, "
                         "created_by_ref = NULL WHERE seq = ?5");
  auto index = Statement::Prepare(db_,
                                  "INSERT OR IGNORE INTO observables (kind, value, seq) "
                                  "VALUES (?1, ?2, ?3)");
  for (auto* s : {&ids, &versions, &update, &index}) {
    if (!*s) return std::unexpected(s->error().WithContext(path_));
  }
  const int64_t batch_objects = static_cast<int64_t>(std::max<size_t>(options.batch_rows, 1));
  std::string cursor;
  while (options.max_batches == 0 || batches < options.max_batches) {
    auto tx = Transaction::Begin(db_);
    if (!tx) return std::unexpected(tx.error().WithContext(path_));
    if (auto r = RefreshAtRest(); !r) return std::unexpected(r.error().WithContext(path_));
    std::vector<std::string> batch;
    {
      ResetOnExit reset(*ids);
      ids->BindText(1, cursor).BindInt(2, batch_objects);
      while (true) {
        auto row = ids->Step();
        if (!row) return std::unexpected(row.error().WithContext(path_));
        if (!*row) break;
        batch.emplace_back(ids->ColumnText(0));
      }
    }
    if (batch.empty()) {
      // Index entries in clear are TEXT, blind ones BLOBs: one sweep removes what the per-object
      // pass left (an observable a later socmesh would no longer extract, for instance).
      if (auto r = db_.Exec("DELETE FROM observables WHERE typeof(value) = 'text';"
                            "UPDATE at_rest SET converting = 0",
                            "finish encryption");
          !r) {
        return std::unexpected(r.error().WithContext(path_));
      }
      if (auto r = tx->Commit(); !r) return std::unexpected(r.error().WithContext(path_));
      converting_ = false;
      // Rebuilds the file from live rows only: no page with a body in clear survives in it.
      if (auto r = db_.Exec("VACUUM; PRAGMA wal_checkpoint(TRUNCATE)", "compact store"); !r) {
        return std::unexpected(r.error().WithContext(path_));
      }
      progress.done = true;
      return progress;
    }
    int64_t rewritten = 0;
    for (const std::string& id : batch) {
      auto blind = cipher_->BlindId(id);
      if (!blind) return std::unexpected(blind.error().WithContext(path_));
      struct Row {
        int64_t seq;
        std::string sealed;
        std::array<uint8_t, 32> digest;
        std::vector<std::string> observables;
        std::vector<int64_t> kinds;
      };
      std::vector<Row> rows;
      {
        ResetOnExit reset(*versions);
        versions->BindText(1, id);
        while (true) {
          auto row = versions->Step();
          if (!row) return std::unexpected(row.error().WithContext(path_));
          if (!*row) break;
          const std::string where = path_ + ": encrypt " + id;
          const std::string json(versions->ColumnText(5));
          auto parsed = model::ParseStixObject(json);
          if (!parsed) return std::unexpected(parsed.error().WithContext(where));
          const RowBinding binding{*blind, versions->ColumnText(1), versions->ColumnInt(2),
                                   versions->ColumnInt(3) != 0, ColumnTlp(*versions, 4)};
          auto sealed = cipher_->Seal(binding, json);
          auto digest = cipher_->Digest(parsed->digest);
          if (!sealed || !digest) {
            return std::unexpected((!sealed ? sealed.error() : digest.error()).WithContext(where));
          }
          Row r{versions->ColumnInt(0), std::move(*sealed), *digest, {}, {}};
          for (const model::Observable& obs : parsed->observables) {
            auto b = cipher_->BlindObservable(obs);
            if (!b) return std::unexpected(b.error().WithContext(where));
            r.observables.push_back(std::move(*b));
            r.kinds.push_back(static_cast<int64_t>(obs.kind));
          }
          rows.push_back(std::move(r));
        }
      }
      for (const Row& r : rows) {
        {
          ResetOnExit reset(*update);
          update->BindText(1, *blind)
              .BindBlob(2, r.digest)
              .BindBlob(3, AsBytes(r.sealed))
              .BindInt(4, cipher_->keyring().current_key())
              .BindInt(5, r.seq);
          if (auto s = update->Step(); !s) return std::unexpected(s.error().WithContext(path_));
        }
        for (size_t i = 0; i < r.observables.size(); ++i) {
          ResetOnExit reset(*index);
          index->BindInt(1, r.kinds[i]).BindBlob(2, AsBytes(r.observables[i])).BindInt(3, r.seq);
          if (auto s = index->Step(); !s) return std::unexpected(s.error().WithContext(path_));
        }
      }
      rewritten += static_cast<int64_t>(rows.size());
    }
    if (auto r = tx->Commit(); !r) return std::unexpected(r.error().WithContext(path_));
    cursor = batch.back();
    progress.rewritten += rewritten;
    ++batches;
    if (options.progress && !options.progress(progress)) break;
  }
  return progress;
}

}  // namespace socmesh::store::detail
