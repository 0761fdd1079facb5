#include "federation/state.hpp"

#include <sqlite3.h>

namespace socmesh::federation {
namespace {

namespace merkle = crypto::merkle;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS heads(
  head_hash BLOB PRIMARY KEY, origin TEXT NOT NULL, batch_id TEXT NOT NULL,
  statement TEXT NOT NULL, signature BLOB NOT NULL, UNIQUE(origin, batch_id));
CREATE TABLE IF NOT EXISTS proofs(
  id TEXT NOT NULL, modified INTEGER NOT NULL, head_hash BLOB NOT NULL,
  leaf_index INTEGER NOT NULL, path BLOB NOT NULL, arrived_from TEXT NOT NULL,
  PRIMARY KEY(id, modified)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox(
  n INTEGER PRIMARY KEY AUTOINCREMENT, peer TEXT NOT NULL, priority INTEGER NOT NULL,
  id TEXT NOT NULL, modified INTEGER NOT NULL, envelope INTEGER NOT NULL DEFAULT 0,
  UNIQUE(peer, id, modified));
CREATE INDEX IF NOT EXISTS outbox_order ON outbox(peer, priority, n);
CREATE TABLE IF NOT EXISTS receipts(
  n INTEGER PRIMARY KEY AUTOINCREMENT, peer TEXT NOT NULL, direction TEXT NOT NULL,
  batch_id TEXT NOT NULL, head_hash BLOB NOT NULL, accepted INTEGER NOT NULL,
  rejected INTEGER NOT NULL, time INTEGER NOT NULL, der BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS envelopes(
  envelope_id TEXT PRIMARY KEY, id TEXT NOT NULL, modified INTEGER NOT NULL, facts TEXT NOT NULL,
  wire BLOB NOT NULL, arrived_from TEXT NOT NULL, opened INTEGER NOT NULL,
  UNIQUE(id, modified));
CREATE TABLE IF NOT EXISTS transfers(
  sender TEXT NOT NULL, transfer_id TEXT NOT NULL, time INTEGER NOT NULL,
  PRIMARY KEY(sender, transfer_id)) WITHOUT ROWID;
)sql";

std::unexpected<Error> DbError(sqlite3* db, std::string_view what) {
  return Fail(ErrorCode::kStorage,
              "federation state: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

// A prepared statement, finalised on scope exit; Bind* return *this for chaining.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Stmt& Text(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Blob(int i, const void* p, size_t n) {
    sqlite3_bind_blob(stmt_, i, p, static_cast<int>(n), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Hash(int i, const merkle::Hash& h) { return Blob(i, h.data(), h.size()); }
  Stmt& Int(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::string ColText(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }
  std::string ColBlob(int i) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
  }
  int64_t ColInt(int i) const { return sqlite3_column_int64(stmt_, i); }
  merkle::Hash ColHash(int i) const {
    merkle::Hash h{};
    const std::string b = ColBlob(i);
    if (b.size() == h.size()) std::copy(b.begin(), b.end(), h.begin());
    return h;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::string Key(const merkle::Hash& h) { return std::string(h.begin(), h.end()); }

std::string PathBytes(const std::vector<merkle::Hash>& path) {
  std::string out;
  for (const auto& h : path) out.append(h.begin(), h.end());
  return out;
}

std::vector<merkle::Hash> PathOf(const std::string& bytes) {
  std::vector<merkle::Hash> out(bytes.size() / 32);
  for (size_t i = 0; i < out.size(); ++i) {
    std::copy(bytes.begin() + static_cast<long>(i * 32),
              bytes.begin() + static_cast<long>(i * 32 + 32), out[i].begin());
  }
  return out;
}

// BEGIN IMMEDIATE … COMMIT, rolled back unless committed.
class Txn {
 public:
  explicit Txn(sqlite3* db) : db_(db) {
    ok_ = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~Txn() {
    if (ok_ && !done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  bool ok() const { return ok_; }
  Result<void> Commit() {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return DbError(db_, "commit");
    }
    done_ = true;
    return {};
  }

 private:
  sqlite3* db_;
  bool ok_ = false;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<FederationState>> FederationState::Open(const std::filesystem::path& file,
                                                               bool durable) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Fail(ErrorCode::kStorage, file.string() + ": " + why);
  }
  std::unique_ptr<FederationState> state(new FederationState(db));
  sqlite3_commit_hook(
      db,
      [](void* counter) {
        static_cast<std::atomic<uint64_t>*>(counter)->fetch_add(1, std::memory_order_relaxed);
        return 0;  // 0: let the commit proceed
      },
      &state->commits_);
  sqlite3_busy_timeout(db, 5000);
  const char* synchronous = durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  for (const char* sql : {"PRAGMA journal_mode = WAL", synchronous, kSchema}) {
    if (auto ok = state->Exec(sql); !ok)
      return std::unexpected(ok.error().WithContext(file.string()));
  }
  // federation.db files from before envelopes lack the outbox's envelope column.
  bool has_envelope_column = false;
  {
    Stmt columns(db, "PRAGMA table_info(outbox)");
    while (columns.Step() == SQLITE_ROW) has_envelope_column |= columns.ColText(1) == "envelope";
  }
  if (!has_envelope_column) {
    if (auto ok = state->Exec("ALTER TABLE outbox ADD COLUMN envelope INTEGER NOT NULL DEFAULT 0");
        !ok) {
      return std::unexpected(ok.error().WithContext(file.string()));
    }
  }
  return state;
}

FederationState::~FederationState() { sqlite3_close(db_); }

bool FederationState::durable() const {
  Stmt level(db_, "PRAGMA synchronous");
  return level.Step() == SQLITE_ROW && level.ColInt(0) == 2;  // 2 = FULL
}

Result<void> FederationState::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "unknown error";
    sqlite3_free(message);
    return Fail(ErrorCode::kStorage, "federation state: " + why);
  }
  return {};
}

Result<void> FederationState::PutHeadLocked(const crypto::SignedBatchHead& head) {
  const merkle::Hash hash = crypto::BatchHeadHash(head.head);
  Stmt find(db_, "SELECT head_hash FROM heads WHERE origin = ?1 AND batch_id = ?2");
  find.Text(1, head.head.origin).Text(2, head.head.batch_id);
  if (find.Step() == SQLITE_ROW) {
    if (find.ColHash(0) != hash) {
      return Fail(ErrorCode::kConflict, "batch id \"" + head.head.batch_id + "\" of " +
                                            head.head.origin +
                                            " is already known for another batch head (replay "
                                            "or reuse of a batch id)");
    }
    return {};
  }
  Stmt put(db_,
           "INSERT OR IGNORE INTO heads(head_hash, origin, batch_id, statement, signature) "
           "VALUES(?1, ?2, ?3, ?4, ?5)");
  put.Hash(1, hash).Text(2, head.head.origin).Text(3, head.head.batch_id).Text(4, head.statement);
  put.Blob(5, head.signature_der.data(), head.signature_der.size());
  if (put.Step() != SQLITE_DONE) return DbError(db_, "store batch head");
  return {};
}

Result<void> FederationState::PutHead(const crypto::SignedBatchHead& head) {
  std::lock_guard lock(mu_);
  return PutHeadLocked(head);
}

Result<std::shared_ptr<const crypto::SignedBatchHead>> FederationState::GetHead(
    const merkle::Hash& hash) {
  std::lock_guard lock(mu_);
  if (auto it = heads_.find(Key(hash)); it != heads_.end()) return it->second;
  Stmt get(db_, "SELECT statement, signature FROM heads WHERE head_hash = ?1");
  get.Hash(1, hash);
  if (get.Step() != SQLITE_ROW) {
    return Fail(ErrorCode::kNotFound, "no batch head " + merkle::ToHex(hash));
  }
  auto head = std::make_shared<crypto::SignedBatchHead>();
  head->statement = get.ColText(0);
  head->signature_der = get.ColBlob(1);
  auto parsed = crypto::ParseBatchHeadStatement(head->statement);
  if (!parsed) return std::unexpected(parsed.error().WithContext("stored batch head"));
  head->head = std::move(*parsed);
  if (heads_.size() > 4096) heads_.clear();
  heads_[Key(hash)] = head;
  return head;
}

Result<void> FederationState::PutProofsLocked(std::span<const ProofRow> proofs) {
  Stmt put(db_,
           "INSERT OR IGNORE INTO proofs(id, modified, head_hash, leaf_index, path, arrived_from) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  for (const auto& p : proofs) {
    const std::string path = PathBytes(p.path);
    put.Text(1, p.id).Int(2, p.modified.micros).Hash(3, p.head_hash);
    put.Int(4, static_cast<int64_t>(p.leaf_index)).Blob(5, path.data(), path.size());
    put.Text(6, p.arrived_from);
    if (put.Step() != SQLITE_DONE) return DbError(db_, "store origin proof");
    put.Reset();
  }
  return {};
}

Result<void> FederationState::PutProofs(std::span<const ProofRow> proofs) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (!txn.ok()) return DbError(db_, "begin");
  if (auto ok = PutProofsLocked(proofs); !ok) return ok;
  return txn.Commit();
}

Result<void> FederationState::RecordSignedBatch(const crypto::SignedBatchHead& head,
                                                std::span<const ProofRow> proofs,
                                                int64_t signed_up_to) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (!txn.ok()) return DbError(db_, "begin");
  if (auto ok = PutHeadLocked(head); !ok) return ok;
  if (auto ok = PutProofsLocked(proofs); !ok) return ok;
  Stmt cur(db_, "INSERT OR REPLACE INTO cursors(name, value) VALUES('signer', ?1)");
  cur.Text(1, std::to_string(signed_up_to));
  if (cur.Step() != SQLITE_DONE) return DbError(db_, "store signer cursor");
  return txn.Commit();
}

Result<std::optional<ProofRow>> FederationState::GetProof(std::string_view id,
                                                          model::Timestamp modified) {
  std::lock_guard lock(mu_);
  Stmt get(db_,
           "SELECT head_hash, leaf_index, path, arrived_from FROM proofs "
           "WHERE id = ?1 AND modified = ?2");
  get.Text(1, id).Int(2, modified.micros);
  const int rc = get.Step();
  if (rc == SQLITE_DONE) return std::optional<ProofRow>();
  if (rc != SQLITE_ROW) return DbError(db_, "read origin proof");
  ProofRow row;
  row.id = std::string(id);
  row.modified = modified;
  row.head_hash = get.ColHash(0);
  row.leaf_index = static_cast<uint64_t>(get.ColInt(1));
  row.path = PathOf(get.ColBlob(2));
  row.arrived_from = get.ColText(3);
  return std::optional<ProofRow>(std::move(row));
}

Result<std::optional<crypto::OriginProof>> FederationState::LoadOriginProof(const ProofRow& row) {
  auto head = GetHead(row.head_hash);
  if (!head) {
    if (head.error().code == ErrorCode::kNotFound) return std::optional<crypto::OriginProof>();
    return std::unexpected(head.error());
  }
  crypto::OriginProof proof;
  proof.head = *head;
  proof.leaf_index = row.leaf_index;
  proof.path = row.path;
  return std::optional<crypto::OriginProof>(std::move(proof));
}

Result<std::string> FederationState::Cursor(std::string_view name) {
  std::lock_guard lock(mu_);
  Stmt get(db_, "SELECT value FROM cursors WHERE name = ?1");
  get.Text(1, name);
  const int rc = get.Step();
  if (rc == SQLITE_ROW) return get.ColText(0);
  if (rc == SQLITE_DONE) return std::string();
  return DbError(db_, "read cursor");
}

Result<void> FederationState::SetCursor(std::string_view name, std::string_view value) {
  std::lock_guard lock(mu_);
  Stmt put(db_, "INSERT OR REPLACE INTO cursors(name, value) VALUES(?1, ?2)");
  put.Text(1, name).Text(2, value);
  if (put.Step() != SQLITE_DONE) return DbError(db_, "store cursor");
  return {};
}

Result<size_t> FederationState::OutboxSize(std::string_view peer) {
  std::lock_guard lock(mu_);
  Stmt count(db_, "SELECT count(*) FROM outbox WHERE peer = ?1");
  count.Text(1, peer);
  if (count.Step() != SQLITE_ROW) return DbError(db_, "count outbox");
  return static_cast<size_t>(count.ColInt(0));
}

Result<void> FederationState::Enqueue(std::string_view peer, std::span<const OutboxItem> items,
                                      int64_t fed_up_to) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (!txn.ok()) return DbError(db_, "begin");
  Stmt put(db_,
           "INSERT OR IGNORE INTO outbox(peer, priority, id, modified, envelope) "
           "VALUES(?1, ?2, ?3, ?4, ?5)");
  for (const auto& item : items) {
    put.Text(1, peer).Int(2, item.priority).Text(3, item.id).Int(4, item.modified.micros);
    put.Int(5, item.envelope ? 1 : 0);
    if (put.Step() != SQLITE_DONE) return DbError(db_, "queue in outbox");
    put.Reset();
  }
  Stmt cur(db_, "INSERT OR REPLACE INTO cursors(name, value) VALUES(?1, ?2)");
  cur.Text(1, "feed:" + std::string(peer)).Text(2, std::to_string(fed_up_to));
  if (cur.Step() != SQLITE_DONE) return DbError(db_, "store feed cursor");
  return txn.Commit();
}

Result<std::vector<OutboxItem>> FederationState::Peek(std::string_view peer, size_t limit) {
  std::lock_guard lock(mu_);
  Stmt get(db_,
           "SELECT n, priority, id, modified, envelope FROM outbox WHERE peer = ?1 "
           "ORDER BY priority, n LIMIT ?2");
  get.Text(1, peer).Int(2, static_cast<int64_t>(limit));
  std::vector<OutboxItem> out;
  int rc;
  while ((rc = get.Step()) == SQLITE_ROW) {
    out.push_back({get.ColInt(0), static_cast<int>(get.ColInt(1)), get.ColText(2),
                   model::Timestamp{get.ColInt(3)}, get.ColInt(4) != 0});
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read outbox");
  return out;
}

Result<void> FederationState::Remove(std::string_view peer, std::span<const int64_t> ns) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (!txn.ok()) return DbError(db_, "begin");
  Stmt del(db_, "DELETE FROM outbox WHERE peer = ?1 AND n = ?2");
  for (int64_t n : ns) {
    del.Text(1, peer).Int(2, n);
    if (del.Step() != SQLITE_DONE) return DbError(db_, "remove from outbox");
    del.Reset();
  }
  return txn.Commit();
}

Result<bool> FederationState::PutEnvelope(const EnvelopeRow& e,
                                          std::span<const std::string> forward, int priority) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (!txn.ok()) return DbError(db_, "begin");
  auto fresh = PutEnvelopeLocked(e, forward, priority);
  if (!fresh) return fresh;
  if (auto ok = txn.Commit(); !ok) return std::unexpected(ok.error());
  return *fresh;
}

Result<bool> FederationState::PutEnvelopeLocked(const EnvelopeRow& e,
                                                std::span<const std::string> forward,
                                                int priority) {
  Stmt put(db_,
           "INSERT OR IGNORE INTO envelopes(envelope_id, id, modified, facts, wire, arrived_from, "
           "opened) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  put.Text(1, e.envelope_id).Text(2, e.id).Int(3, e.modified.micros).Text(4, e.facts_json);
  put.Blob(5, e.wire.data(), e.wire.size()).Text(6, e.arrived_from).Int(7, e.opened ? 1 : 0);
  if (put.Step() != SQLITE_DONE) return DbError(db_, "store envelope");
  const bool fresh = sqlite3_changes(db_) == 1;
  if (fresh) {
    Stmt queue(db_,
               "INSERT OR IGNORE INTO outbox(peer, priority, id, modified, envelope) "
               "VALUES(?1, ?2, ?3, ?4, 1)");
    for (const auto& peer : forward) {
      queue.Text(1, peer).Int(2, priority).Text(3, e.id).Int(4, e.modified.micros);
      if (queue.Step() != SQLITE_DONE) return DbError(db_, "queue envelope");
      queue.Reset();
    }
  }
  return fresh;
}

Result<std::optional<EnvelopeRow>> FederationState::EnvelopeFor(std::string_view id,
                                                                model::Timestamp modified) {
  std::lock_guard lock(mu_);
  Stmt get(db_,
           "SELECT envelope_id, facts, wire, arrived_from, opened FROM envelopes "
           "WHERE id = ?1 AND modified = ?2");
  get.Text(1, id).Int(2, modified.micros);
  const int rc = get.Step();
  if (rc == SQLITE_DONE) return std::optional<EnvelopeRow>();
  if (rc != SQLITE_ROW) return DbError(db_, "read envelope");
  EnvelopeRow row;
  row.envelope_id = get.ColText(0);
  row.id = std::string(id);
  row.modified = modified;
  row.facts_json = get.ColText(1);
  row.wire = get.ColBlob(2);
  row.arrived_from = get.ColText(3);
  row.opened = get.ColInt(4) != 0;
  return std::optional<EnvelopeRow>(std::move(row));
}

Result<void> FederationState::PutReceipt(const ReceiptRow& r) {
  std::lock_guard lock(mu_);
  return PutReceiptLocked(r);
}

Result<void> FederationState::PutReceipts(std::span<const ReceiptRow> receipts) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (!txn.ok()) return DbError(db_, "begin");
  for (const auto& r : receipts) {
    if (auto ok = PutReceiptLocked(r); !ok) return ok;
  }
  return txn.Commit();
}

Result<void> FederationState::PutReceiptLocked(const ReceiptRow& r) {
  Stmt put(db_,
           "INSERT INTO receipts(peer, direction, batch_id, head_hash, accepted, rejected, time, "
           "der) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  put.Text(1, r.peer).Text(2, r.direction).Text(3, r.batch_id).Hash(4, r.head_hash);
  put.Int(5, static_cast<int64_t>(r.accepted)).Int(6, static_cast<int64_t>(r.rejected));
  put.Int(7, r.time.micros).Blob(8, r.der.data(), r.der.size());
  if (put.Step() != SQLITE_DONE) return DbError(db_, "store receipt");
  return {};
}

Result<std::vector<ReceiptRow>> FederationState::Receipts(std::string_view peer,
                                                          std::string_view direction) {
  std::lock_guard lock(mu_);
  Stmt get(db_,
           "SELECT batch_id, head_hash, accepted, rejected, time, der FROM receipts "
           "WHERE peer = ?1 AND direction = ?2 ORDER BY n");
  get.Text(1, peer).Text(2, direction);
  std::vector<ReceiptRow> out;
  int rc;
  while ((rc = get.Step()) == SQLITE_ROW) {
    ReceiptRow r;
    r.peer = std::string(peer);
    r.direction = std::string(direction);
    r.batch_id = get.ColText(0);
    r.head_hash = get.ColHash(1);
    r.accepted = static_cast<uint64_t>(get.ColInt(2));
    r.rejected = static_cast<uint64_t>(get.ColInt(3));
    r.time = model::Timestamp{get.ColInt(4)};
    r.der = get.ColBlob(5);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read receipts");
  return out;
}

Result<bool> FederationState::MarkTransferSeen(std::string_view sender, std::string_view id,
                                               model::Timestamp now,
                                               model::Timestamp forget_before) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (!txn.ok()) return DbError(db_, "begin");
  auto fresh = MarkTransferSeenLocked(sender, id, now, forget_before);
  if (!fresh) return fresh;
  if (auto ok = txn.Commit(); !ok) return std::unexpected(ok.error());
  return *fresh;
}

Result<bool> FederationState::MarkTransferSeenLocked(std::string_view sender, std::string_view id,
                                                     model::Timestamp now,
                                                     model::Timestamp forget_before) {
  Stmt prune(db_, "DELETE FROM transfers WHERE time < ?1");
  prune.Int(1, forget_before.micros);
  if (prune.Step() != SQLITE_DONE) return DbError(db_, "prune transfers");
  Stmt put(db_, "INSERT OR IGNORE INTO transfers(sender, transfer_id, time) VALUES(?1, ?2, ?3)");
  put.Text(1, sender).Text(2, id).Int(3, now.micros);
  if (put.Step() != SQLITE_DONE) return DbError(db_, "record transfer");
  return sqlite3_changes(db_) == 1;
}

Result<bool> FederationState::TransferSeen(std::string_view sender, std::string_view id) {
  std::lock_guard lock(mu_);
  Stmt get(db_, "SELECT 1 FROM transfers WHERE sender = ?1 AND transfer_id = ?2");
  get.Text(1, sender).Text(2, id);
  const int rc = get.Step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return DbError(db_, "read transfers");
}

Result<void> FederationState::CheckHead(const crypto::SignedBatchHead& head) {
  std::lock_guard lock(mu_);
  Stmt find(db_, "SELECT head_hash FROM heads WHERE origin = ?1 AND batch_id = ?2");
  find.Text(1, head.head.origin).Text(2, head.head.batch_id);
  const int rc = find.Step();
  if (rc == SQLITE_DONE) return {};
  if (rc != SQLITE_ROW) return DbError(db_, "read batch head");
  if (find.ColHash(0) != crypto::BatchHeadHash(head.head)) {
    return Fail(ErrorCode::kConflict, "batch id \"" + head.head.batch_id + "\" of " +
                                          head.head.origin +
                                          " is already known for another batch head (replay "
                                          "or reuse of a batch id)");
  }
  return {};
}

Result<bool> FederationState::RecordTransfer(const TransferRecord& record) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (!txn.ok()) return DbError(db_, "begin");
  auto fresh =
      MarkTransferSeenLocked(record.sender, record.transfer_id, record.now, record.forget_before);
  if (!fresh) return fresh;
  if (!*fresh) return false;  // rolled back: a replay leaves no trace
  for (const auto& head : record.heads) {
    if (auto ok = PutHeadLocked(*head); !ok) return std::unexpected(ok.error());
  }
  if (auto ok = PutProofsLocked(record.proofs); !ok) return std::unexpected(ok.error());
  for (const auto& e : record.envelopes) {
    if (auto ok = PutEnvelopeLocked(e.row, e.forward, e.priority); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (auto ok = txn.Commit(); !ok) return std::unexpected(ok.error());
  return true;
}

uint64_t FederationState::commits() const { return commits_.load(std::memory_order_relaxed); }

}  // namespace socmesh::federation
