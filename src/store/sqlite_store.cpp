#include "store/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <thread>

#include "store/detail/migrations.hpp"
#include "store/detail/sqlite_handle.hpp"

namespace socmesh::store {

namespace {

using detail::Database;
using detail::ResetOnExit;
using detail::Statement;
using detail::Transaction;

// How long a writer waits for another process's transaction before reporting the store locked.
constexpr std::chrono::milliseconds kBusyTimeout{10000};

constexpr const char* kVersionColumns = "seq, id, type, modified, added, revoked, tlp, json";

model::Timestamp Now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return {std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

StoredVersion ReadVersion(const Statement& s) {
  StoredVersion v;
  v.seq = s.ColumnInt(0);
  v.id = std::string(s.ColumnText(1));
  v.type = std::string(s.ColumnText(2));
  v.modified = {s.ColumnInt(3)};
  v.added = {s.ColumnInt(4)};
  v.revoked = s.ColumnInt(5) != 0;
  if (!s.ColumnIsNull(6)) v.tlp = static_cast<model::Tlp>(s.ColumnInt(6));
  v.json = std::string(s.ColumnText(7));
  return v;
}

// Switching a new file to WAL takes an exclusive lock for which SQLite does not wait (no busy
// handler), so two processes creating the same store at once would fail; retry for `patience`.
Result<void> EnableWal(Database& db, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (true) {
    auto stmt = Statement::Prepare(db.get(), "PRAGMA journal_mode = WAL");
    if (!stmt) return std::unexpected(stmt.error());
    auto row = stmt->Step();
    const bool busy = !row && (sqlite3_errcode(db.get()) & 0xff) == SQLITE_BUSY;
    if (!row && !busy) return std::unexpected(row.error().WithContext("enable WAL"));
    if (!busy) {
      // The pragma answers the mode in force; "memory" is what in-memory databases keep.
      std::string mode = *row ? std::string(stmt->ColumnText(0)) : std::string();
      if (mode == "wal" || mode == "memory") return {};
      return Fail(ErrorCode::kStorage, "enable WAL: journal mode stays \"" + mode + "\"");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(ErrorCode::kStorage, "enable WAL: database is locked");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Create(const std::string& path, const StoreOptions& o);

  Result<IngestOutcome> Ingest(std::span<const model::StixObject> batch) override;
  Result<std::vector<StoredVersion>> GetVersions(std::string_view id) override;
  Result<StoredVersion> GetCurrent(std::string_view id) override;
  Result<void> Scan(const Query& query,
                    const std::function<bool(const StoredVersion&)>& visit) override;
  Result<StoreStats> Stats() override;

 private:
  SqliteStore(Database db, std::string path, bool read_only, int schema)
      : db_(std::move(db)), path_(std::move(path)), read_only_(read_only), schema_(schema) {}
  Result<void> PrepareStatements();

  Database db_;
  std::string path_;
  bool read_only_;
  int schema_;
  Statement insert_version_;
  Statement insert_observable_;
  Statement find_digest_;
  Statement versions_of_;
  Statement current_of_;
};

Result<std::unique_ptr<Store>> SqliteStore::Create(const std::string& path, const StoreOptions& o) {
  int flags = o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (!o.read_only && o.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  std::error_code ec;
  if (!(flags & SQLITE_OPEN_CREATE) && !std::filesystem::exists(path, ec)) {
    return Fail(ErrorCode::kNotFound, "no store at " + path + " (socmesh ingest creates one)");
  }
  auto db = Database::Open(path, flags);
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
    if (auto r = EnableWal(*db, kBusyTimeout); !r) {
      return std::unexpected(r.error().WithContext(path));
    }
  }
  auto schema = detail::Migrate(*db, o.read_only);
  if (!schema) return std::unexpected(schema.error().WithContext(path));
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(*db), path, o.read_only, *schema));
  if (auto r = store->PrepareStatements(); !r) return std::unexpected(r.error());
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
  };
  if (!read_only_) {
    items.push_back({&insert_version_,
                     "INSERT INTO object_versions (id, type, modified, created, added, revoked, "
                     "tlp, confidence, valid_until, created_by_ref, digest, json) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                     "ON CONFLICT (id, modified) DO NOTHING"});
    items.push_back({&insert_observable_,
                     "INSERT OR IGNORE INTO observables (kind, value, seq) VALUES (?1, ?2, ?3)"});
  }
  for (auto& item : items) {
    auto s = Statement::Prepare(db_.get(), item.sql);
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
  // Inserting in key order keeps the UNIQUE(id, modified) B-tree appends local: measurably faster
  // than random order for large batches (see docs/benchmarks.md).
  std::vector<uint32_t> order(batch.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const auto& x = batch[a];
    const auto& y = batch[b];
    if (int c = x.id.compare(y.id); c != 0) return c < 0;
    if (x.version() != y.version()) return x.version() < y.version();
    return a < b;
  });

  auto tx = Transaction::Begin(db_);
  if (!tx) return std::unexpected(tx.error().WithContext(path_));
  const model::Timestamp added = Now();
  for (uint32_t index : order) {
    const model::StixObject& o = batch[index];
    const int64_t version = o.version().micros;
    {
      ResetOnExit reset(insert_version_);
      insert_version_.BindText(1, o.id).BindText(2, o.type).BindInt(3, version);
      o.created ? insert_version_.BindInt(4, o.created->micros) : insert_version_.BindNull(4);
      insert_version_.BindInt(5, added.micros).BindInt(6, o.revoked ? 1 : 0);
      o.tlp ? insert_version_.BindInt(7, static_cast<int64_t>(*o.tlp))
            : insert_version_.BindNull(7);
      o.confidence ? insert_version_.BindInt(8, *o.confidence) : insert_version_.BindNull(8);
      o.valid_until ? insert_version_.BindInt(9, o.valid_until->micros)
                    : insert_version_.BindNull(9);
      o.created_by_ref.empty() ? insert_version_.BindNull(10)
                               : insert_version_.BindText(10, o.created_by_ref);
      insert_version_.BindBlob(11, o.digest).BindText(12, o.canonical_json);
      if (auto r = insert_version_.Step(); !r) {
        return std::unexpected(r.error().WithContext(path_ + ": store " + o.id));
      }
    }
    if (sqlite3_changes(db_.get()) == 1) {
      const int64_t seq = sqlite3_last_insert_rowid(db_.get());
      for (const model::Observable& obs : o.observables) {
        ResetOnExit reset(insert_observable_);
        insert_observable_.BindInt(1, static_cast<int64_t>(obs.kind))
            .BindText(2, obs.value)
            .BindInt(3, seq);
        if (auto r = insert_observable_.Step(); !r) {
          return std::unexpected(r.error().WithContext(path_ + ": index " + o.id));
        }
      }
      ++out.inserted;
      continue;
    }
    // The version exists: a no-op if the content is the same, a conflict otherwise.
    ResetOnExit reset(find_digest_);
    find_digest_.BindText(1, o.id).BindInt(2, version);
    auto row = find_digest_.Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    auto stored = *row ? find_digest_.ColumnBlob(0) : std::span<const uint8_t>();
    if (stored.size() == o.digest.size() &&
        std::memcmp(stored.data(), o.digest.data(), o.digest.size()) == 0) {
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

Result<std::vector<StoredVersion>> SqliteStore::GetVersions(std::string_view id) {
  ResetOnExit reset(versions_of_);
  versions_of_.BindText(1, id);
  std::vector<StoredVersion> out;
  while (true) {
    auto row = versions_of_.Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    if (!*row) break;
    out.push_back(ReadVersion(versions_of_));
  }
  return out;
}

Result<StoredVersion> SqliteStore::GetCurrent(std::string_view id) {
  ResetOnExit reset(current_of_);
  current_of_.BindText(1, id);
  auto row = current_of_.Step();
  if (!row) return std::unexpected(row.error().WithContext(path_));
  if (!*row) return Fail(ErrorCode::kNotFound, "no object " + std::string(id));
  return ReadVersion(current_of_);
}

Result<void> SqliteStore::Scan(const Query& q,
                               const std::function<bool(const StoredVersion&)>& visit) {
  // Built per call: queries vary in shape, and preparing costs microseconds.
  std::string sql = std::string("SELECT ") + kVersionColumns + " FROM object_versions v WHERE 1";
  int next = 1;
  std::vector<std::pair<int, std::string_view>> texts;
  std::vector<std::pair<int, int64_t>> ints;
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
  if (!q.ids.empty()) list(q.ids, "v.id");
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
  if (q.observable) {
    sql += " AND v.seq IN (SELECT seq FROM observables WHERE kind = ?" + std::to_string(next);
    ints.push_back({next++, static_cast<int64_t>(q.observable->kind)});
    sql += " AND value = ?" + std::to_string(next) + ")";
    texts.push_back({next++, q.observable->value});
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

  auto stmt = Statement::Prepare(db_.get(), sql);
  if (!stmt) return std::unexpected(stmt.error().WithContext(path_));
  for (auto [index, text] : texts) stmt->BindText(index, text);
  for (auto [index, value] : ints) stmt->BindInt(index, value);
  while (true) {
    auto row = stmt->Step();
    if (!row) return std::unexpected(row.error().WithContext(path_));
    if (!*row || !visit(ReadVersion(*stmt))) break;
  }
  return {};
}

Result<StoreStats> SqliteStore::Stats() {
  StoreStats s;
  s.backend = "sqlite";
  s.location = path_;
  s.schema_version = schema_;
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
  auto ids = Statement::Prepare(db_.get(), "SELECT DISTINCT id FROM object_versions");
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

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const StoreOptions& options) {
  return SqliteStore::Create(path, options);
}

}  // namespace socmesh::store
