#include "store/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>

#include "store/detail/migrations.hpp"
#include "store/detail/sqlite_store_impl.hpp"

namespace socmesh::store {

namespace detail {

const char* const kVersionColumns = "seq, id, type, modified, added, revoked, tlp, json, key_id";

namespace {

// Observables per ScanByObservables statement: 3 parameters each (6 while `store encrypt` runs),
// far below SQLite's limit of 32766 variables, and few enough that sorting a chunk's results is
// cheap; a batch of thousands of values still needs only a handful of statements.
constexpr size_t kLookupChunk = 256;
// Distinct ScanByObservables statements kept prepared (a full chunk and the last, per filter).
constexpr size_t kLookupStatementCacheSize = 8;

// How long a writer waits for another process's transaction before reporting the store locked.
constexpr std::chrono::milliseconds kBusyTimeout{10000};

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

model::Timestamp Now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return {std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

}  // namespace

Result<std::unique_ptr<Store>> SqliteStore::Create(const std::string& path, const StoreOptions& o) {
  int flags = o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (!o.read_only && o.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  std::error_code ec;
  if (!(flags & SQLITE_OPEN_CREATE) && !std::filesystem::exists(path, ec)) {
    return Fail(ErrorCode::kNotFound, "no store at " + path + " (socmesh ingest creates one)");
  }
  auto db = Database::Open(path, flags, sqlite::Wording{.subject = "store"});
  if (!db) return std::unexpected(db.error());
  // The first statement that reads the file tells a database from any other file.
  if (auto r = db->Exec("PRAGMA busy_timeout = " + std::to_string(kBusyTimeout.count()),
                        "configure store");
      !r) {
    return std::unexpected(r.error().WithContext(path));
  }
  if (auto probe = db->QueryInt("PRAGMA schema_version", "read store"); !probe) {
    return std::unexpected(probe.error().WithContext(path));
  }
  std::string pragmas =
      "PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456;";
  if (!o.read_only) {
    // Every batch rewrites index pages all over the (id, modified) and observable B-trees. The
    // default checkpoint (every 1000 pages) copies them to the database after nearly every batch;
    // every 128 MiB, a page rewritten by several batches is copied once (+50 % durable ingest of
    // 1M objects). The WAL file is truncated back to that size after a checkpoint.
    pragmas += "PRAGMA wal_autocheckpoint = 32768; PRAGMA journal_size_limit = 134217728;";
    pragmas += o.durability == Durability::kFull ? "PRAGMA synchronous = FULL;"
                                                 : "PRAGMA synchronous = NORMAL;";
  } else {
    pragmas += "PRAGMA query_only = ON;";
  }
  if (auto r = db->Exec(pragmas, "configure store"); !r) {
    return std::unexpected(r.error().WithContext(path));
  }
  if (!o.read_only) {
    if (auto r = sqlite::EnableWal(*db, kBusyTimeout); !r) {
      return std::unexpected(r.error().WithContext(path));
    }
  }
  auto schema = detail::Migrate(*db, o.read_only);
  if (!schema) return std::unexpected(schema.error().WithContext(path));
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(*db), path, o.read_only, *schema));
  if (auto r = store->PrepareStatements(); !r) return std::unexpected(r.error());
  if (auto r = store->SetUpAtRest(o); !r) return std::unexpected(r.error().WithContext(path));
  return store;
}

Result<void> SqliteStore::PrepareStatements() {
  struct Item {
    Statement* target;
    std::string sql;
  };
  const std::string select = std::string("SELECT ") + kVersionColumns + " FROM object_versions ";
  std::vector<Item> items = {
      {&find_digest_, "SELECT digest FROM object_versions WHERE id = ?1 AND modified = ?2"},
      {&versions_of_, select + "WHERE id = ?1 ORDER BY modified"},
      {&current_of_, select + "WHERE id = ?1 ORDER BY modified DESC LIMIT 1"},
      {&at_rest_state_, "SELECT keyring, generation, write_key, converting FROM at_rest"},
  };
  if (!read_only_) {
    items.push_back({&insert_version_,
                     "INSERT INTO object_versions (id, type, modified, created, added, revoked, "
                     "tlp, confidence, valid_until, created_by_ref, digest, json, key_id) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                     "ON CONFLICT (id, modified) DO NOTHING"});
    items.push_back({&insert_observable_,
                     "INSERT OR IGNORE INTO observables (kind, value, seq) VALUES (?1, ?2, ?3)"});
  }
  for (auto& item : items) {
    auto s = Statement::Prepare(db_, item.sql);
    if (!s) return std::unexpected(s.error().WithContext(path_));
    *item.target = std::move(*s);
  }
  return {};
}

Result<IngestOutcome> SqliteStore::Ingest(std::span<const model::StixObject> batch) {
  if (read_only_) {
    return Fail(ErrorCode::kInvalidArgument, path_ + ": store is open read-only");
  }
  IngestOutcome out;
  if (batch.empty()) return out;
  auto tx = Transaction::Begin(db_);
  if (!tx) return std::unexpected(tx.error().WithContext(path_));
  // Under the write lock: another process may have rotated the data key or started encryption.
  if (auto r = RefreshAtRest(); !r) return std::unexpected(r.error().WithContext(path_));
  if (converting_) {
    return Fail(ErrorCode::kInvalidArgument,
                path_ + ": the store is being encrypted; finish `socmesh store encrypt` first");
  }
  // The id as stored (blind in an encrypted store) is the key of the UNIQUE index.
  std::vector<std::string> stored_ids(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    auto id = StoredId(batch[i].id);
    if (!id) return std::unexpected(id.error().WithContext(path_));
    stored_ids[i] = std::move(*id);
  }
  // Inserting in key order keeps the UNIQUE(id, modified) B-tree appends local: measurably faster
  // than random order for large batches (see docs/benchmarks.md).
  std::vector<uint32_t> order(batch.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (int c = stored_ids[a].compare(stored_ids[b]); c != 0) return c < 0;
    if (batch[a].version() != batch[b].version()) return batch[a].version() < batch[b].version();
    return a < b;
  });

  const model::Timestamp added = Now();
  for (uint32_t index : order) {
    const model::StixObject& o = batch[index];
    const std::string& stored_id = stored_ids[index];
    const int64_t version = o.version().micros;
    // Encrypted: only the columns queries need stay in clear (docs/architecture.md).
    std::array<uint8_t, 32> digest = o.digest;
    std::string sealed;
    if (cipher_) {
      auto keyed = cipher_->Digest(o.digest);
      auto body = cipher_->Seal({stored_id, o.type, version, o.revoked, o.tlp}, o.canonical_json);
      if (!keyed || !body) {
        return std::unexpected((!keyed ? keyed.error() : body.error()).WithContext(path_));
      }
      digest = *keyed;
      sealed = std::move(*body);
    }
    {
      ResetOnExit reset(insert_version_);
      insert_version_.BindText(1, stored_id).BindText(2, o.type).BindInt(3, version);
      insert_version_.BindInt(5, added.micros).BindInt(6, o.revoked ? 1 : 0);
      o.tlp ? insert_version_.BindInt(7, static_cast<int64_t>(*o.tlp))
            : insert_version_.BindNull(7);
      insert_version_.BindBlob(11, digest);
      if (cipher_) {
        insert_version_.BindNull(4).BindNull(8).BindNull(9).BindNull(10);
        insert_version_.BindBlob(12, AsBytes(sealed)).BindInt(13, cipher_->keyring().current_key());
      } else {
        o.created ? insert_version_.BindInt(4, o.created->micros) : insert_version_.BindNull(4);
        o.confidence ? insert_version_.BindInt(8, *o.confidence) : insert_version_.BindNull(8);
        o.valid_until ? insert_version_.BindInt(9, o.valid_until->micros)
                      : insert_version_.BindNull(9);
        o.created_by_ref.empty() ? insert_version_.BindNull(10)
                                 : insert_version_.BindText(10, o.created_by_ref);
        insert_version_.BindText(12, o.canonical_json).BindNull(13);
      }
      if (auto r = insert_version_.Step(); !r) {
        return std::unexpected(r.error().WithContext(path_ + ": store " + o.id));
      }
    }
    if (sqlite3_changes(db_.get()) == 1) {
      const int64_t seq = sqlite3_last_insert_rowid(db_.get());
      for (const model::Observable& obs : o.observables) {
        ResetOnExit reset(insert_observable_);
        insert_observable_.BindInt(1, static_cast<int64_t>(obs.kind)).BindInt(3, seq);
        std::string blind;
        if (cipher_) {
          auto b = cipher_->BlindObservable(obs);
          if (!b) return std::unexpected(b.error().WithContext(path_));
          blind = std::move(*b);
          insert_observable_.BindBlob(2, AsBytes(blind));
        } else {
          insert_observable_.BindText(2, obs.value);
        }
        if (auto r = insert_observable_.Step(); !r) {
          return std::unexpected(r.error().WithContext(path_ + ": index " + o.id));
        }
      }
      ++out.inserted;
      continue;
    }
    // The version exists: a no-op if the content is the same, a conflict otherwise.
    ResetOnExit reset(find_digest_);
    find_digest_.BindText(1, stored_id).BindInt(2, version);
    auto row = find_digest_.Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    auto stored = *row ? find_digest_.ColumnBlob(0) : std::span<const uint8_t>();
    if (stored.size() == digest.size() &&
        std::memcmp(stored.data(), digest.data(), digest.size()) == 0) {
      ++out.unchanged;
    } else {
      out.rejected.push_back({index, o.id,
                              Error{ErrorCode::kConflict,
                                    o.id + " version " + model::FormatTimestamp(o.version(), true) +
                                        " is already stored with different content"}});
    }
  }
  if (auto r = tx->Commit(); !r) return std::unexpected(r.error().WithContext(path_));
  std::sort(out.rejected.begin(), out.rejected.end(),
            [](const IngestRejection& a, const IngestRejection& b) { return a.index < b.index; });
  return out;
}

Result<std::string> SqliteStore::StoredId(std::string_view id) const {
  if (!cipher_) return std::string(id);
  return cipher_->BlindId(id);
}

Result<std::vector<StoredVersion>> SqliteStore::VersionsOf(std::string_view stored_id,
                                                           std::string_view id) {
  ResetOnExit reset(versions_of_);
  versions_of_.BindText(1, stored_id);
  std::vector<StoredVersion> out;
  while (true) {
    auto row = versions_of_.Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    if (!*row) break;
    auto v = Read(versions_of_, id);
    if (!v) return std::unexpected(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

Result<std::optional<StoredVersion>> SqliteStore::CurrentOf(std::string_view stored_id,
                                                            std::string_view id) {
  ResetOnExit reset(current_of_);
  current_of_.BindText(1, stored_id);
  auto row = current_of_.Step();
  if (!row) return std::unexpected(row.error().WithContext(path_));
  if (!*row) return std::nullopt;
  auto v = Read(current_of_, id);
  if (!v) return std::unexpected(v.error());
  return std::move(*v);
}

Result<std::vector<StoredVersion>> SqliteStore::GetVersions(std::string_view id) {
  auto stored_id = StoredId(id);
  if (!stored_id) return std::unexpected(stored_id.error().WithContext(path_));
  auto versions = VersionsOf(*stored_id, id);
  // While `store encrypt` runs, an object not converted yet is still under its id in clear (each
  // object is converted whole, so never under both).
  if (versions && versions->empty() && converting_) return VersionsOf(id, id);
  return versions;
}

Result<StoredVersion> SqliteStore::GetCurrent(std::string_view id) {
  auto stored_id = StoredId(id);
  if (!stored_id) return std::unexpected(stored_id.error().WithContext(path_));
  auto current = CurrentOf(*stored_id, id);
  if (current && !*current && converting_) current = CurrentOf(id, id);
  if (!current) return std::unexpected(current.error());
  if (!*current) return Fail(ErrorCode::kNotFound, "no object " + std::string(id));
  return std::move(**current);
}

Result<StoredVersion> SqliteStore::Read(const Statement& s, std::string_view known_id) {
  StoredVersion v;
  v.seq = s.ColumnInt(0);
  v.type = std::string(s.ColumnText(2));
  v.modified = {s.ColumnInt(3)};
  v.added = {s.ColumnInt(4)};
  v.revoked = s.ColumnInt(5) != 0;
  if (!s.ColumnIsNull(6)) v.tlp = static_cast<model::Tlp>(s.ColumnInt(6));
  if (s.ColumnIsNull(8)) {  // in clear
    v.id = std::string(s.ColumnText(1));
    v.json = std::string(s.ColumnText(7));
    return v;
  }
  const std::string where = path_ + ": stored version " + std::to_string(v.seq);
  if (!cipher_) return Fail(ErrorCode::kPermission, where + " is encrypted and the store locked");
  const auto key_id = static_cast<crypto::DataKeyId>(s.ColumnInt(8));
  const RowBinding binding{s.ColumnText(1), v.type, v.modified.micros, v.revoked, v.tlp};
  if (!cipher_->keyring().HasKey(key_id)) {
    // Rotated by another process since this one loaded the keyring.
    if (auto r = RefreshAtRest(); !r) return std::unexpected(r.error().WithContext(where));
  }
  auto json = cipher_->Open(key_id, binding, s.ColumnBlob(7));
  if (!json) return std::unexpected(json.error().WithContext(where));
  v.json = std::move(*json);
  if (!known_id.empty()) {
    v.id = std::string(known_id);
  } else {
    auto id = TopLevelId(v.json);
    if (!id) return std::unexpected(id.error().WithContext(where));
    v.id = std::move(*id);
  }
  return v;
}

Result<void> SqliteStore::Scan(const Query& q,
                               const std::function<bool(const StoredVersion&)>& visit) {
  // Built per call: queries vary in shape, and preparing costs microseconds.
  std::string sql = std::string("SELECT ") + kVersionColumns + " FROM object_versions v WHERE 1";
  int next = 1;
  std::vector<std::pair<int, std::string_view>> texts;
  std::vector<std::pair<int, std::string_view>> blobs;
  std::vector<std::pair<int, int64_t>> ints;
  // Encrypted: ids and observables are looked up by their blind values (plus, while `store
  // encrypt` runs, in clear for the objects not converted yet).
  std::vector<std::string> ids;
  if (cipher_) {
    for (const std::string& id : q.ids) {
      auto blind = cipher_->BlindId(id);
      if (!blind) return std::unexpected(blind.error().WithContext(path_));
      ids.push_back(std::move(*blind));
      if (converting_) ids.push_back(id);
    }
  }
  const std::vector<std::string>& id_keys = cipher_ ? ids : q.ids;
  auto list = [&](const std::vector<std::string>& values, const char* column) {
    sql += std::string(" AND ") + column + " IN (";
    for (size_t i = 0; i < values.size(); ++i) {
      sql += (i ? ",?" : "?") + std::to_string(next);
      texts.push_back({next++, values[i]});
    }
    sql += ")";
  };
  // A sort by seq would materialise the whole result before the first row, so only bounded results
  // may be sorted. With ids or an observable (few rows) their index drives and type only filters:
  // without statistics SQLite would pick the type index. One type streams from the (type, seq)
  // index in order; several types collect their seqs (8 bytes each) and visit them in order.
  if (!q.ids.empty()) list(id_keys, "v.id");
  if (!q.types.empty() && (!q.ids.empty() || q.observable)) {
    list(q.types, "+v.type");
  } else if (q.types.size() == 1) {
    list(q.types, "v.type");
  } else if (!q.types.empty()) {
    sql += " AND v.seq IN (SELECT t.seq FROM object_versions t WHERE 1";
    list(q.types, "t.type");
    sql += ")";
  }
  auto bound = [&](const char* condition, int64_t value) {
    sql += std::string(" AND ") + condition + std::to_string(next);
    ints.push_back({next++, value});
  };
  if (q.modified_from) bound("v.modified >= ?", q.modified_from->micros);
  if (q.modified_to) bound("v.modified <= ?", q.modified_to->micros);
  if (q.added_after) bound("v.added > ?", q.added_after->micros);
  if (q.after_seq) bound("v.seq > ?", *q.after_seq);
  std::string blind_observable;
  if (q.observable) {
    sql += " AND v.seq IN (SELECT seq FROM observables WHERE kind = ?" + std::to_string(next);
    ints.push_back({next++, static_cast<int64_t>(q.observable->kind)});
    if (cipher_) {
      auto blind = cipher_->BlindObservable(*q.observable);
      if (!blind) return std::unexpected(blind.error().WithContext(path_));
      blind_observable = std::move(*blind);
      sql += " AND value IN (?" + std::to_string(next);
      blobs.push_back({next++, blind_observable});
      if (converting_) {
        sql += ", ?" + std::to_string(next);
        texts.push_back({next++, q.observable->value});
      }
      sql += "))";
    } else {
      sql += " AND value = ?" + std::to_string(next) + ")";
      texts.push_back({next++, q.observable->value});
    }
  }
  const std::string current = "(SELECT max(c.modified) FROM object_versions c WHERE c.id = v.id)";
  if (!q.all_versions) {
    sql += " AND v.modified = " + current;
    if (!q.include_revoked) sql += " AND v.revoked = 0";
  } else if (!q.include_revoked) {
    sql +=
        " AND NOT EXISTS (SELECT 1 FROM object_versions r WHERE r.id = v.id AND r.revoked = 1 "
        "AND r.modified = " +
        current + ")";
  }
  sql += " ORDER BY v.seq";
  if (q.limit > 0) sql += " LIMIT " + std::to_string(q.limit);

  auto stmt = Statement::Prepare(db_, sql);
  if (!stmt) return std::unexpected(stmt.error().WithContext(path_));
  for (auto [index, text] : texts) stmt->BindText(index, text);
  for (auto [index, blob] : blobs) stmt->BindBlob(index, AsBytes(blob));
  for (auto [index, value] : ints) stmt->BindInt(index, value);
  // One id asked for: rows need not be parsed to learn it.
  const std::string_view known_id = q.ids.size() == 1 ? std::string_view(q.ids[0]) : "";
  while (true) {
    auto row = stmt->Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    if (!*row) break;
    auto v = Read(*stmt, known_id);
    if (!v) return std::unexpected(v.error());
    if (!visit(*v)) break;
  }
  return {};
}

Result<void> SqliteStore::ScanByObservables(
    std::span<const model::Observable> observables, const ObservableLookup& lookup,
    const std::function<bool(size_t, StoredVersion&)>& visit) {
  if (observables.empty()) return {};
  // One snapshot for every chunk, unless the caller already holds a transaction.
  std::optional<Transaction> snapshot;
  if (sqlite3_get_autocommit(db_.get()) != 0) {
    auto tx = Transaction::BeginRead(db_);
    if (!tx) return std::unexpected(tx.error().WithContext(path_));
    snapshot.emplace(std::move(*tx));
  }
  for (size_t first = 0; first < observables.size(); first += kLookupChunk) {
    const size_t n = std::min(kLookupChunk, observables.size() - first);
    auto more = ScanObservableChunk(observables.subspan(first, n), first, lookup, visit);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
  }
  return {};
}

Result<bool> SqliteStore::ScanObservableChunk(
    std::span<const model::Observable> chunk, size_t first, const ObservableLookup& lookup,
    const std::function<bool(size_t, StoredVersion&)>& visit) {
  // While `store encrypt` runs, objects not converted yet are indexed by their values in clear
  // and converted ones by blind values (and in clear until the end): both forms are asked for.
  const bool both_forms = cipher_ != nullptr && converting_;
  // The wanted values drive the join (CROSS JOIN fixes the loop order in SQLite): one seek into
  // the (kind, value, seq) index each, then the row by seq, then the current-version check through
  // UNIQUE(id, modified) — the plan of Scan with one observable, without a statement per value.
  // Anonymous parameters, numbered by position: SQLite looks numbered names (?NNN) up in a list
  // while compiling, quadratic in their count.
  std::string sql = "WITH wanted (i, kind, value) AS (VALUES ";
  const size_t rows = chunk.size() * (both_forms ? 2 : 1);
  int next = 1;
  for (size_t r = 0; r < rows; ++r, next += 3) sql += r == 0 ? "(?,?,?)" : ",(?,?,?)";
  sql +=
      ") SELECT v.seq, v.id, v.type, v.modified, v.added, v.revoked, v.tlp, v.json, v.key_id, w.i "
      "FROM wanted w CROSS JOIN observables o CROSS JOIN object_versions v "
      "WHERE o.kind = w.kind AND o.value = w.value AND v.seq = o.seq";
  const int first_type = next;
  if (!lookup.types.empty()) {
    sql += " AND +v.type IN (";
    for (size_t t = 0; t < lookup.types.size(); ++t) sql += t == 0 ? "?" : ",?";
    sql += ")";
  }
  if (!lookup.include_revoked) sql += " AND v.revoked = 0";
  sql += " AND v.modified = (SELECT max(c.modified) FROM object_versions c WHERE c.id = v.id)";
  if (both_forms) sql += " GROUP BY w.i, v.seq";  // a converted object is under both forms
  sql += " ORDER BY w.i, v.seq";

  // Taken out of the cache while in use (a visitor may look up again), put back on every path.
  struct Cached {
    std::unordered_map<std::string, Statement>& cache;
    std::string sql;
    Statement stmt;
    ~Cached() {
      stmt.Reset();
      if (cache.size() >= kLookupStatementCacheSize) cache.clear();
      cache.insert_or_assign(std::move(sql), std::move(stmt));
    }
  };
  auto node = lookup_statements_.extract(sql);
  Statement stmt;
  if (node) {
    stmt = std::move(node.mapped());
  } else {
    auto prepared = Statement::Prepare(db_, sql);
    if (!prepared) return std::unexpected(prepared.error().WithContext(path_));
    stmt = std::move(*prepared);
  }
  Cached cached{lookup_statements_, std::move(sql), std::move(stmt)};
  Statement& s = cached.stmt;

  std::vector<std::string> blind(cipher_ ? chunk.size() : 0);  // bound without copies: kept here
  next = 1;
  for (size_t k = 0; k < chunk.size(); ++k) {
    const model::Observable& o = chunk[k];
    const auto index = static_cast<int64_t>(first + k);
    const auto kind = static_cast<int64_t>(o.kind);
    s.BindInt(next, index).BindInt(next + 1, kind);
    if (cipher_) {
      auto b = cipher_->BlindObservable(o);
      if (!b) return std::unexpected(b.error().WithContext(path_));
      blind[k] = std::move(*b);
      s.BindBlob(next + 2, AsBytes(blind[k]));
      next += 3;
      if (both_forms) {
        s.BindInt(next, index).BindInt(next + 1, kind).BindText(next + 2, o.value);
        next += 3;
      }
    } else {
      s.BindText(next + 2, o.value);
      next += 3;
    }
  }
  for (size_t t = 0; t < lookup.types.size(); ++t) {
    s.BindText(first_type + static_cast<int>(t), lookup.types[t]);
  }
  while (true) {
    auto row = s.Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    if (!*row) return true;
    auto v = Read(s, "");
    if (!v) return std::unexpected(v.error());
    if (!visit(static_cast<size_t>(s.ColumnInt(9)), *v)) return false;
  }
}

Result<StoreStats> SqliteStore::Stats() {
  StoreStats s;
  s.backend = "sqlite";
  s.location = path_;
  s.schema_version = schema_;
  s.encrypted = cipher_ != nullptr;
  // One snapshot for all counts, even while another process ingests.
  auto tx = Transaction::BeginRead(db_);
  if (!tx) return std::unexpected(tx.error().WithContext(path_));
  struct Count {
    int64_t* target;
    const char* sql;
  };
  for (const Count& c : std::initializer_list<Count>{
           {&s.object_versions, "SELECT count(*) FROM object_versions"},
           {&s.revoked_objects,
            "SELECT count(*) FROM object_versions v WHERE v.revoked = 1 AND v.modified = "
            "(SELECT max(c.modified) FROM object_versions c WHERE c.id = v.id)"},
           {&s.observables, "SELECT count(*) FROM observables"}}) {
    auto n = db_.QueryInt(c.sql, "statistics");
    if (!n) return std::unexpected(n.error().WithContext(path_));
    *c.target = *n;
  }
  // STIX ids are "<type>--<uuid>" (the parser enforces it), so the (id, modified) index alone gives
  // the distinct ids per type; grouping by the type column reads every row (4 s per million).
  auto ids = Statement::Prepare(db_, "SELECT DISTINCT id FROM object_versions");
  if (!ids) return std::unexpected(ids.error().WithContext(path_));
  std::map<std::string, int64_t, std::less<>> by_type;
  int64_t* run = nullptr;  // ids are sorted, so one type's ids come in one run
  std::string_view run_type;
  while (true) {
    auto row = ids->Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    if (!*row) break;
    std::string_view id = ids->ColumnText(0);
    std::string_view type = id.substr(0, id.find("--"));
    if (run == nullptr || type != run_type) {
      auto it = by_type.try_emplace(std::string(type), 0).first;
      run = &it->second;
      run_type = it->first;
    }
    ++*run;
    ++s.objects;
  }
  s.objects_by_type.assign(by_type.begin(), by_type.end());
  return s;
}

}  // namespace detail

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const StoreOptions& options) {
  return detail::SqliteStore::Create(path, options);
}

}  // namespace socmesh::store
