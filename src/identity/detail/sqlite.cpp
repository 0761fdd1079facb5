#include "identity/detail/sqlite.hpp"

namespace socmesh::identity::detail {

Result<Database> Database::Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the Registry serialises every use of its connection with its own mutex.
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) {
    return Fail(rc == SQLITE_CANTOPEN ? ErrorCode::kIo : ErrorCode::kStorage,
                "cannot open identity registry " + path + ": " +
                    (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Error Database::LastError(std::string_view operation) const {
  return Error{ErrorCode::kStorage, std::string(operation) + ": " + sqlite3_errmsg(db_.get())};
}

Result<void> Database::Exec(std::string_view sql, std::string_view operation) {
  const std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(LastError(operation));
  }
  return {};
}

Result<int64_t> Database::QueryInt(std::string_view sql, std::string_view operation) {
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
    return Fail(ErrorCode::kStorage, std::string("prepare: ") + sqlite3_errmsg(db));
  }
  Statement s;
  s.db_ = db;
  s.stmt_.reset(raw);
  return s;
}

Statement& Statement::Int(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::Text(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

Statement& Statement::Blob(int index, std::span<const unsigned char> value) {
  sqlite3_bind_blob64(stmt_.get(), index, value.data(), value.size(), SQLITE_STATIC);
  return *this;
}

Statement& Statement::Null(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const ErrorCode code =
      (rc & 0xff) == SQLITE_CONSTRAINT ? ErrorCode::kConflict : ErrorCode::kStorage;
  return Fail(code, std::string("identity registry: ") + sqlite3_errmsg(db_));
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Statement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  return text == nullptr
             ? std::string()
             : std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

std::span<const unsigned char> Statement::ColumnBlob(int column) const {
  const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_.get(), column));
  if (data == nullptr) return {};
  return {data, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column))};
}

Result<Transaction> Transaction::Begin(Database& db) {
  if (auto r = db.Exec("BEGIN IMMEDIATE", "begin transaction"); !r) {
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

}  // namespace socmesh::identity::detail
