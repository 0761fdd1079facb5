#include "store/detail/sqlite_handle.hpp"

namespace socmesh::store::detail {

Error SqliteError(sqlite3* db, std::string_view operation) {
  std::string message(operation);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return Error{ErrorCode::kStorage, std::move(message)};
}

Result<Database> Database::Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) {
    return std::unexpected(
        Error{rc == SQLITE_CANTOPEN ? ErrorCode::kIo : ErrorCode::kStorage,
              "cannot open store " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory")});
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Result<void> Database::Exec(std::string_view sql, std::string_view operation) {
  std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(SqliteError(db_.get(), operation));
  }
  return {};
}

Result<int64_t> Database::QueryInt(const std::string& sql, std::string_view operation) {
  auto stmt = Statement::Prepare(db_.get(), sql);
  if (!stmt) return std::unexpected(stmt.error().WithContext(operation));
  auto row = stmt->Step();
  if (!row) return std::unexpected(row.error().WithContext(operation));
  if (!*row) return Fail(ErrorCode::kStorage, std::string(operation) + ": no result");
  return stmt->ColumnInt(0);
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &raw, nullptr) != SQLITE_OK) {
    return std::unexpected(SqliteError(db, "prepare"));
  }
  Statement s;
  s.db_ = db;
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
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(SqliteError(db_, "step"));
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string_view Statement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  return text == nullptr ? std::string_view()
                         : std::string_view(text, sqlite3_column_bytes(stmt_.get(), column));
}

std::span<const uint8_t> Statement::ColumnBlob(int column) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
  return data == nullptr
             ? std::span<const uint8_t>()
             : std::span<const uint8_t>(
                   data, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column)));
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

}  // namespace socmesh::store::detail
