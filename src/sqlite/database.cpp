#include "sqlite/database.hpp"

#include <thread>

namespace socmesh::sqlite {

Error SqliteError(sqlite3* db, std::string_view operation) {
  std::string message(operation);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return Error{ErrorCode::kStorage, std::move(message)};
}

Result<Database> Database::Open(const std::string& path, int flags, Wording wording) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  db.wording_ = wording;
  if (rc != SQLITE_OK) {
    return Fail(rc == SQLITE_CANTOPEN ? ErrorCode::kIo : ErrorCode::kStorage,
                "cannot open " + std::string(wording.subject) + " " + path + ": " +
                    (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Result<void> Database::Exec(std::string_view sql, std::string_view operation) {
  const std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(SqliteError(db_.get(), operation));
  }
  return {};
}

Result<int64_t> Database::QueryInt(std::string_view sql, std::string_view operation) {
  auto stmt = Statement::Prepare(*this, sql);
  if (!stmt) return std::unexpected(stmt.error().WithContext(operation));
  auto row = stmt->Step();
  if (!row) return std::unexpected(row.error().WithContext(operation));
  if (!*row) return Fail(ErrorCode::kStorage, std::string(operation) + ": no result");
  return stmt->ColumnInt(0);
}

Result<Statement> Statement::Prepare(const Database& db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
    return std::unexpected(SqliteError(db.get(), "prepare"));
  }
  Statement s;
  s.db_ = db.get();
  s.wording_ = db.wording();
  s.stmt_.reset(raw);
  return s;
}

Statement& Statement::BindInt(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

Statement& Statement::BindBlob(int index, std::span<const uint8_t> value) {
  sqlite3_bind_blob64(stmt_.get(), index, value.data(), value.size(), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error error = SqliteError(db_, wording_.step_context);
  if (wording_.constraint_is_conflict && (rc & 0xff) == SQLITE_CONSTRAINT) {
    error.code = ErrorCode::kConflict;
  }
  return std::unexpected(std::move(error));
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string_view Statement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column))};
}

std::span<const uint8_t> Statement::ColumnBlob(int column) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
  if (data == nullptr) return {};
  return {data, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column))};
}

Result<Transaction> Transaction::Begin(Database& db) {
  if (auto r = db.Exec("BEGIN IMMEDIATE", "begin transaction"); !r) {
    return std::unexpected(r.error());
  }
  return Transaction(&db);
}

Result<Transaction> Transaction::BeginRead(Database& db) {
  if (auto r = db.Exec("BEGIN DEFERRED", "begin read transaction"); !r) {
    return std::unexpected(r.error());
  }
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) sqlite3_exec(db_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<void> Transaction::Commit() {
  auto r = db_->Exec("COMMIT", "commit");
  if (r) db_ = nullptr;
  return r;
}

Result<void> EnableWal(Database& db, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (true) {
    auto stmt = Statement::Prepare(db, "PRAGMA journal_mode = WAL");
    if (!stmt) return std::unexpected(stmt.error());
    auto row = stmt->Step();
    const bool busy = !row && (sqlite3_errcode(db.get()) & 0xff) == SQLITE_BUSY;
    if (!row && !busy) return std::unexpected(row.error().WithContext("enable WAL"));
    if (!busy) {
      // The pragma answers the mode in force; "memory" is what in-memory databases keep.
      const std::string mode = *row ? stmt->ColumnString(0) : std::string();
      if (mode == "wal" || mode == "memory") return {};
      return Fail(ErrorCode::kStorage, "enable WAL: journal mode stays \"" + mode + "\"");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(ErrorCode::kStorage, "enable WAL: database is locked");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace socmesh::sqlite
